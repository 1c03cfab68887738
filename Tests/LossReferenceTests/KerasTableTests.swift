// The values Keras 3.15.1 computed (keras-losses.md §10, plus the [EMP] values of §1, §3 and §5),
// against the reference evaluated `as: .float32`.
//
// Tolerance: Keras computed these in float32. One float32 ULP is at most 2⁻²³ ≈ 1.19e-7 relative; Keras
// on JAX is within ~3 ULP of the exact result on well-conditioned inputs (numerics.md), its printed
// values are the shortest repr of the float32 result (so exact), and our float32 mode rounds the
// inputs and options to Float but computes in Double, i.e. it is the *exact* result of Keras's formula
// on Keras's float32 operands. So the gap is Keras's own rounding: a few ULP. rel 1e-6 ≈ 8 ULP of
// float32 covers it with room, and is still ~10⁴× tighter than any formula mistake we could make (a
// wrong constant, a missing eps, a swapped argument all move results by ≥ 1e-3 relative here).
// A few spec values are printed with fewer digits (1.177, 0.0131535, ...); those cases widen the
// tolerance to half a unit in the last printed digit.

import LossCore
import Testing

@testable import LossReference

/// One Keras-computed value: the call and what Keras printed.
struct KerasCase: Sendable, CustomTestStringConvertible {
  let name: String
  let loss: Loss
  let yTrue: Tensor<Double>
  let yPred: Tensor<Double>
  var sampleWeight: Tensor<Double>? = nil
  var reduction: Reduction = .sumOverBatchSize
  /// Keras's printed float32 result(s), in order.
  let expected: [Double]
  var relative: Double = 1e-6
  var absolute: Double = 0

  var testDescription: String { name }
}

private func t(_ rows: [[Double]]) -> Tensor<Double> {
  // Table literals are well-formed; a mistake here is a bug in the test itself.
  try! matrix(rows)
}

private func v(_ values: [Double]) -> Tensor<Double> { Tensor(values) }

/// logits [[1,2,3]]×3 + [[3,2,1]] of the SCCE ignore_class vector.
private let sccePredictions = t([[1, 2, 3], [1, 2, 3], [1, 2, 3], [3, 2, 1]])

/// y and p of the dice / tversky vectors.
private let overlapTrue = t([[1, 0, 1], [0, 1, 1]])
private let overlapPred = t([[0.9, 0.2, 0.6], [0.1, 0.3, 0.8]])

/// Per-sample MSE [0.5, 0.5, 0.25]: rows (0,0)/(1,0) → (1 + 0)/2, (1,1)/(0,1) → (1 + 0)/2,
/// (0,0)/(.5,.5) → (.25 + .25)/2.
let mseQuirkTrue = try! matrix([[0, 0], [1, 1], [0, 0]])
let mseQuirkPred = try! matrix([[1, 0], [0, 1], [0.5, 0.5]])

let kerasCases: [KerasCase] = [
  // §1 / §10 BCE limits. p=0 is clipped to Float(1e-7): −log(1.0000000116860974e-07).
  KerasCase(name: "BCE(y=1, p=0) none", loss: .binaryCrossentropy(), yTrue: t([[1]]), yPred: t([[0]]),
            reduction: .none, expected: [16.118095]),
  // p=1 is clipped to 1 − 2⁻²³; −log(2⁻²³) = 23·ln 2: the asymmetric float32 limit.
  KerasCase(name: "BCE(y=0, p=1) none", loss: .binaryCrossentropy(), yTrue: t([[0]]), yPred: t([[1]]),
            reduction: .none, expected: [15.942385]),
  KerasCase(name: "BCE(y=1, p=1) none", loss: .binaryCrossentropy(), yTrue: t([[1]]), yPred: t([[1]]),
            reduction: .none, expected: [1.1920929e-07]),
  // ops.binary_crossentropy(1, x, from_logits) for x = −100, −20, 0, 20, 100. Keras's float32 gives 0
  // for x = 100 where the exact value is log1p(e⁻¹⁰⁰) = 3.7e-44: an absolute 1e-40 admits it.
  KerasCase(name: "BCE logits t=1 row", loss: .binaryCrossentropy(fromLogits: true),
            yTrue: t([[1], [1], [1], [1], [1]]), yPred: t([[-100], [-20], [0], [20], [100]]),
            reduction: .none, expected: [100, 20, 0.69314718, 2.0611537e-09, 0], absolute: 1e-40),
  KerasCase(name: "BCE(ls=0.1)(1, 0.9)", loss: .binaryCrossentropy(labelSmoothing: 0.1),
            yTrue: t([[1]]), yPred: t([[0.9]]), expected: [0.21522179]),
  KerasCase(name: "CCE([0,1,0], [1,0,0])", loss: .categoricalCrossentropy(),
            yTrue: t([[0, 1, 0]]), yPred: t([[1, 0, 0]]), expected: [16.118095]),
  KerasCase(name: "CCE unnormalised [2,1,1] → ln 2", loss: .categoricalCrossentropy(),
            yTrue: t([[1, 0, 0]]), yPred: t([[2, 1, 1]]), expected: [0.6931472]),
  KerasCase(name: "CCE(logits, ls=0.1)", loss: .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1),
            yTrue: t([[0, 1, 0]]), yPred: t([[1, 2, 3]]), expected: [1.4076059]),
  KerasCase(name: "SCCE none", loss: .sparseCategoricalCrossentropy(),
            yTrue: v([1, 2]), yPred: t([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), reduction: .none,
            expected: [0.0512933, 2.3025851], relative: 1e-5),
  KerasCase(name: "SCCE sum_over_batch_size (1.177)", loss: .sparseCategoricalCrossentropy(),
            yTrue: v([1, 2]), yPred: t([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]),
            expected: [1.177], relative: 5e-4),
  KerasCase(name: "SCCE ignore_class sum_over_batch_size",
            loss: .sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1),
            yTrue: v([0, 2, -1, 1]), yPred: sccePredictions, expected: [1.4076059]),
  KerasCase(name: "SCCE ignore_class sum",
            loss: .sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1),
            yTrue: v([0, 2, -1, 1]), yPred: sccePredictions, reduction: .sum, expected: [4.2228174]),
  KerasCase(name: "SCCE ignore_class sw=[1,2,3,4]",
            loss: .sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1),
            yTrue: v([0, 2, -1, 1]), yPred: sccePredictions, sampleWeight: v([1, 2, 3, 4]),
            expected: [2.9510806]),
  KerasCase(name: "BinaryFocal()", loss: .binaryFocalCrossentropy(),
            yTrue: t([[1, 0]]), yPred: t([[0.8, 0.3]]), expected: [0.020513243]),
  KerasCase(name: "BinaryFocal(apply_class_balancing)", loss: .binaryFocalCrossentropy(applyClassBalancing: true),
            yTrue: t([[1, 0]]), yPred: t([[0.8, 0.3]]), expected: [0.0131535], relative: 5e-6),
  KerasCase(name: "BinaryFocal(ls=0.1, balancing)",
            loss: .binaryFocalCrossentropy(applyClassBalancing: true, labelSmoothing: 0.1),
            yTrue: t([[1, 0]]), yPred: t([[0.8, 0.3]]), expected: [0.016939633]),
  // sigmoid(−50) is clipped to eps before the log: saturated at −log(eps), as in Keras 3.
  KerasCase(name: "BinaryFocal(logits, γ=0)(1, −50)", loss: .binaryFocalCrossentropy(gamma: 0, fromLogits: true),
            yTrue: t([[1]]), yPred: t([[-50]]), expected: [16.118095]),
  KerasCase(name: "CategoricalFocal()", loss: .categoricalFocalCrossentropy(),
            yTrue: t([[0, 1, 0]]), yPred: t([[0.2, 0.7, 0.1]]), expected: [0.008025187]),
  KerasCase(name: "CategoricalFocal(α=[.1,.2,.7])", loss: .categoricalFocalCrossentropy(alpha: [0.1, 0.2, 0.7]),
            yTrue: t([[0, 1, 0]]), yPred: t([[0.2, 0.7, 0.1]]), expected: [0.0064201], relative: 1e-5),
  KerasCase(name: "CategoricalFocal(logits)", loss: .categoricalFocalCrossentropy(fromLogits: true),
            yTrue: t([[0, 1, 0]]), yPred: t([[1, 2, 3]]), expected: [0.20073695]),
  KerasCase(name: "CategoricalFocal(ls=0.1)", loss: .categoricalFocalCrossentropy(labelSmoothing: 0.1),
            yTrue: t([[0, 1, 0]]), yPred: t([[0.2, 0.7, 0.1]]), expected: [0.031616293]),
  KerasCase(name: "KLD([0,1], [.5,0])", loss: .klDivergence, yTrue: t([[0, 1]]), yPred: t([[0.5, 0]]),
            expected: [16.118093]),
  KerasCase(name: "Poisson(1, 0)", loss: .poisson, yTrue: t([[1]]), yPred: t([[0]]), expected: [16.118095]),
  KerasCase(name: "MAPE([0,2], [1,1])", loss: .meanAbsolutePercentageError, yTrue: t([[0, 2]]),
            yPred: t([[1, 1]]), expected: [5.0000003e8]),
  KerasCase(name: "MSLE(1, −5)", loss: .meanSquaredLogarithmicError, yTrue: t([[1]]), yPred: t([[-5]]),
            expected: [0.48045287]),
  KerasCase(name: "LogCosh(100)", loss: .logCosh, yTrue: t([[0]]), yPred: t([[100]]), expected: [99.306854]),
  KerasCase(name: "LogCosh(1e4)", loss: .logCosh, yTrue: t([[0]]), yPred: t([[1e4]]), expected: [9999.3066]),
  // Keras prints 0.0: the float32 difference of two numbers near ln 2, whose ULP is 6e-8. The exact
  // value of our formula is 5e-9 − (Float(ln 2) − ln 2) ≈ 3.1e-9; an absolute 1e-7 is that ULP.
  KerasCase(name: "LogCosh(1e-4)", loss: .logCosh, yTrue: t([[0]]), yPred: t([[1e-4]]), expected: [0],
            absolute: 1e-7),
  KerasCase(name: "Huber δ=1, e=[0.5, 2]", loss: .huber(), yTrue: t([[0], [0]]), yPred: t([[0.5], [2]]),
            reduction: .none, expected: [0.125, 1.5]),
  KerasCase(name: "Huber e = δ = 1", loss: .huber(), yTrue: t([[0]]), yPred: t([[1]]), expected: [0.5]),
  KerasCase(name: "Hinge([0,1],[.3,.6])", loss: .hinge, yTrue: t([[0, 1]]), yPred: t([[0.3, 0.6]]),
            expected: [0.85]),
  KerasCase(name: "Hinge([−1,1],[.3,.6])", loss: .hinge, yTrue: t([[-1, 1]]), yPred: t([[0.3, 0.6]]),
            expected: [0.85]),
  KerasCase(name: "Hinge mixed labels", loss: .hinge, yTrue: t([[0, 1, -1]]), yPred: t([[0.3, 0.6, 0.2]]),
            expected: [0.8666667]),
  KerasCase(name: "SquaredHinge([0,1],[.3,.6])", loss: .squaredHinge, yTrue: t([[0, 1]]),
            yPred: t([[0.3, 0.6]]), expected: [0.925]),
  KerasCase(name: "CategoricalHinge", loss: .categoricalHinge, yTrue: t([[0, 1, 0]]),
            yPred: t([[0.3, 0.5, 0.9]]), expected: [1.4]),
  KerasCase(name: "Cosine([1e-8,0],[1,0])", loss: .cosineSimilarity(), yTrue: t([[1e-8, 0]]),
            yPred: t([[1, 0]]), expected: [-0.1]),
  KerasCase(name: "Dice default", loss: .dice(), yTrue: overlapTrue, yPred: overlapPred,
            expected: [0.24637687]),
  KerasCase(name: "Dice axis=−1", loss: .dice(axis: [-1]), yTrue: overlapTrue, yPred: overlapPred,
            reduction: .none, expected: [0.18918920, 0.3125]),
  // Dice (axis nil) with sw=[1,0]: the scalar loss times (B,) weights becomes (B,) and is reduced.
  KerasCase(name: "Dice scalar × sw=[1,0] sum_over_batch_size", loss: .dice(), yTrue: overlapTrue,
            yPred: overlapPred, sampleWeight: v([1, 0]), expected: [0.1231884], relative: 1e-6),
  KerasCase(name: "Dice scalar × sw=[1,0] sum", loss: .dice(), yTrue: overlapTrue, yPred: overlapPred,
            sampleWeight: v([1, 0]), reduction: .sum, expected: [0.2463769], relative: 1e-6),
  // Keras 3.15.1's Tversky(.7, .3) swapped α and β. Under the documented semantics the same numbers
  // come from Tversky(α: .3, β: .7): swapping α and β is exactly what 3.15.1 did.
  KerasCase(name: "Tversky(α .3, β .7) = Keras 3.15.1's swapped Tversky(.7, .3)",
            loss: .tversky(alpha: 0.3, beta: 0.7, axis: [-1]), yTrue: overlapTrue, yPred: overlapPred,
            reduction: .none, expected: [0.21465975, 0.375]),
  KerasCase(name: "GCE(q=.5)", loss: .categoricalGeneralizedCrossEntropy(q: 0.5), yTrue: v([0, 1]),
            yPred: t([[0.7, 0.3], [0.2, 0.8]]), reduction: .none, expected: [0.32667994, 0.21114564]),
  KerasCase(name: "GCE p_t = 0 → 1/q = 2", loss: .categoricalGeneralizedCrossEntropy(q: 0.5), yTrue: v([0]),
            yPred: t([[0, 1]]), reduction: .none, expected: [2]),
  // §3 reduction quirks on per-sample MSE [0.5, 0.5, 0.25] with sw = [1, 2, 0].
  KerasCase(name: "MSE sum_over_batch_size sw=[1,2,0]", loss: .meanSquaredError, yTrue: mseQuirkTrue,
            yPred: mseQuirkPred, sampleWeight: v([1, 2, 0]), expected: [0.5]),
  KerasCase(name: "MSE sum sw=[1,2,0]", loss: .meanSquaredError, yTrue: mseQuirkTrue, yPred: mseQuirkPred,
            sampleWeight: v([1, 2, 0]), reduction: .sum, expected: [1.5]),
  KerasCase(name: "MSE mean_with_sample_weight sw=[1,2,0]", loss: .meanSquaredError, yTrue: mseQuirkTrue,
            yPred: mseQuirkPred, sampleWeight: v([1, 2, 0]), reduction: .meanWithSampleWeight, expected: [0.5]),
  KerasCase(name: "MSE none sw=[1,2,0]", loss: .meanSquaredError, yTrue: mseQuirkTrue, yPred: mseQuirkPred,
            sampleWeight: v([1, 2, 0]), reduction: .none, expected: [0.5, 1, 0]),
  KerasCase(name: "MSE mean_with_sample_weight, no sw = plain mean", loss: .meanSquaredError,
            yTrue: mseQuirkTrue, yPred: mseQuirkPred, reduction: .meanWithSampleWeight, expected: [0.4166667]),
  KerasCase(name: "MSE mean_with_sample_weight, scalar sw=2 = Σl", loss: .meanSquaredError,
            yTrue: mseQuirkTrue, yPred: mseQuirkPred, sampleWeight: Tensor(scalar: 2),
            reduction: .meanWithSampleWeight, expected: [1.25]),
  KerasCase(name: "MSE sum_over_batch_size, scalar sw=2", loss: .meanSquaredError, yTrue: mseQuirkTrue,
            yPred: mseQuirkPred, sampleWeight: Tensor(scalar: 2), expected: [0.8333333]),
]

@Suite("Keras-computed values (float32)")
struct KerasTableTests {
  @Test(arguments: kerasCases)
  func matchesKeras(_ c: KerasCase) throws {
    let result = try Reference.evaluate(
      c.loss, yTrue: c.yTrue, yPred: c.yPred, sampleWeight: c.sampleWeight, reduction: c.reduction,
      as: .float32)
    let expectedShape = c.reduction == .none ? [c.expected.count] : []
    expectClose(result, c.expected, shape: expectedShape, relative: c.relative, absolute: c.absolute)
  }

  /// Keras: Cosine([0,0],[1,2]) is −0.0, a negative zero: both vectors are normalised by max(‖x‖, eps),
  /// the zero vector stays zero, and −Σ 0·p̂ = −0. With rank-1 inputs the per-sample loss is a scalar,
  /// which every reduction returns untouched (§3), sign included; `none` keeps it per sample.
  @Test(arguments: [DType.float32, .float64])
  func cosineOfZeroVectorIsNegativeZero(_ dtype: DType) throws {
    let value = try evaluateScalar(.cosineSimilarity(), Tensor([0, 0]), Tensor([1, 2]), as: dtype)
    #expect(value == 0)
    #expect(value.sign == .minus, "Keras gives −0.0, got \(value)")
    let rows = try perSample(.cosineSimilarity(), try matrix([[0, 0]]), try matrix([[1, 2]]), as: dtype)
    #expect(rows.scalars == [0])
    #expect(rows.scalars[0].sign == .minus, "per-sample −0.0, got \(rows.scalars[0])")
  }

  /// SCCE with every label ignored: the mask weight total/valid is divide_no_nan(4, 0) = 0, and the
  /// reduced loss is 0 (not NaN), for every reduction that divides.
  @Test(arguments: [Reduction.sumOverBatchSize, .mean, .meanWithSampleWeight, .sum])
  func allMaskedGivesZero(_ reduction: Reduction) throws {
    let value = try evaluateScalar(
      .sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1), Tensor([-1, -1]),
      try matrix([[1, 2, 3], [3, 2, 1]]), reduction: reduction, as: .float32)
    #expect(value == 0)
  }
}
