// Every class of bad input: the exact `LossError` case and the argument it names. Also the inputs
// that are *not* errors: NaN propagates (as in Keras) and an empty batch gives an empty result.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import Testing

@testable import LossReference

/// A loss with a label for the test report.
struct NamedLoss: Sendable, CustomTestStringConvertible {
  let loss: Loss
  var testDescription: String { "\(loss)" }
  init(_ loss: Loss) { self.loss = loss }
}

/// Losses that broadcast y_true against y_pred (elementwise, then a mean or sum over the last axis).
private let broadcastingLosses: [NamedLoss] = [
  .meanSquaredError, .meanAbsoluteError, .meanAbsolutePercentageError, .meanSquaredLogarithmicError,
  .huber(), .logCosh, .hinge, .squaredHinge, .categoricalHinge, .klDivergence, .poisson,
].map(NamedLoss.init)

/// Losses that need equal shapes (up to Keras's trailing-1 rank alignment).
private let equalShapeLosses: [NamedLoss] = [
  .binaryCrossentropy(), .binaryFocalCrossentropy(), .categoricalCrossentropy(),
  .categoricalFocalCrossentropy(), .cosineSimilarity(), .dice(), .tversky(),
].map(NamedLoss.init)

/// Losses with one y_true value per y_pred value, whose y_pred's last axis is reduced.
private let lastAxisLosses: [NamedLoss] = broadcastingLosses + [
  .binaryCrossentropy(), .binaryFocalCrossentropy(), .categoricalCrossentropy(),
  .categoricalFocalCrossentropy(), .cosineSimilarity(),
].map(NamedLoss.init)

/// Every loss, with a y_true/y_pred pair that it accepts.
struct ValidInput: Sendable, CustomTestStringConvertible {
  let loss: Loss
  let yTrue: Tensor<Double>
  let yPred: Tensor<Double>
  var testDescription: String { "\(loss.name.rawValue)" }
}

let validInputs: [ValidInput] = {
  let y = try! matrix([[1, 0, 1], [0, 1, 0]])
  let p = try! matrix([[0.7, 0.2, 0.6], [0.1, 0.6, 0.3]])
  let labels = Tensor<Double>([2, 1])
  var inputs = lastAxisLosses.map { ValidInput(loss: $0.loss, yTrue: y, yPred: p) }
  inputs += [
    ValidInput(loss: .dice(), yTrue: y, yPred: p),
    ValidInput(loss: .tversky(), yTrue: y, yPred: p),
    ValidInput(loss: .sparseCategoricalCrossentropy(), yTrue: labels, yPred: p),
    ValidInput(loss: .categoricalGeneralizedCrossEntropy(), yTrue: labels, yPred: p),
    ValidInput(loss: .ctc, yTrue: try! matrix([[1], [2]]), yPred: try! tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 1, 3])),
    ValidInput(loss: .circle(), yTrue: Tensor([0, 0, 1]), yPred: try! matrix([[1, 0], [0.8, 0.6], [0, 1]])),
  ]
  return inputs
}()

@Suite("Bad inputs")
struct BadInputTests {
  // MARK: Shapes

  /// (2, 3) against (2, 4): neither equal, nor a trailing-1 pair, nor broadcastable.
  @Test(arguments: broadcastingLosses)
  func elementwiseShapesThatDoNotBroadcast(_ loss: NamedLoss) throws {
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(loss.loss, yTrue: try matrix([[0, 1, 0], [1, 0, 1]]), yPred: try tensor(Array(repeating: 0.5, count: 8), [2, 4]))
    }
  }

  /// The same mismatch for the losses that require equal shapes.
  @Test(arguments: equalShapeLosses)
  func equalShapeLossesRejectDifferentShapes(_ loss: NamedLoss) throws {
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(loss.loss, yTrue: try matrix([[0, 1, 0], [1, 0, 1]]), yPred: try tensor(Array(repeating: 0.5, count: 8), [2, 4]))
    }
  }

  /// Crossentropies need *equal* shapes (the backend checks every dimension): (1, 3) against (2, 3)
  /// would broadcast, but is still an error.
  @Test(arguments: [Loss.binaryCrossentropy(), .binaryFocalCrossentropy(), .categoricalCrossentropy(), .categoricalFocalCrossentropy()].map(NamedLoss.init))
  func crossentropiesDoNotBroadcast(_ loss: NamedLoss) throws {
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(loss.loss, yTrue: try matrix([[0, 1, 0]]), yPred: try matrix([[0.2, 0.5, 0.3], [0.3, 0.3, 0.4]]))
    }
  }

  /// SCCE labels must have y_pred's shape less the class axis: (3,) or (2, 2) against (2, 3) fail.
  @Test func sparseLabelsWithTheWrongShape() throws {
    let p = try matrix([[0.2, 0.5, 0.3], [0.3, 0.3, 0.4]])
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(.sparseCategoricalCrossentropy(), yTrue: Tensor([0, 1, 2]), yPred: p)
    }
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(.sparseCategoricalCrossentropy(), yTrue: try matrix([[0, 1], [1, 0]]), yPred: p)
    }
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(.categoricalGeneralizedCrossEntropy(), yTrue: Tensor([0, 1, 2]), yPred: p)
    }
  }

  @Test func ctcRanksAndBatch() throws {
    let logits = try tensor(Array(repeating: 0, count: 12), [2, 2, 3])
    expectLossError(.invalidShape, argument: "y_true") {
      try Reference.evaluate(.ctc, yTrue: Tensor([1, 2]), yPred: logits)
    }
    expectLossError(.invalidShape, argument: "y_pred") {
      try Reference.evaluate(.ctc, yTrue: try matrix([[1], [2]]), yPred: try matrix([[0, 0, 0], [0, 0, 0]]))
    }
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(.ctc, yTrue: try matrix([[1], [2], [1]]), yPred: logits)
    }
  }

  @Test func circleRanks() throws {
    expectLossError(.invalidShape, argument: "y_pred") {
      try Reference.evaluate(.circle(), yTrue: Tensor([0, 1]), yPred: Tensor([1, 0]))
    }
    expectLossError(.invalidShape, argument: "y_pred") {
      try Reference.evaluate(.circle(), yTrue: Tensor([0, 1]), yPred: try tensor([1, 0, 0, 1], [2, 1, 2]))
    }
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(.circle(), yTrue: Tensor([0, 1, 1]), yPred: try matrix([[1, 0], [0, 1]]))
    }
    expectLossError(.incompatibleShapes, argument: "y_true") {
      try Reference.evaluate(.circle(), yTrue: try matrix([[0, 1], [1, 0]]), yPred: try matrix([[1, 0], [0, 1]]))
    }
  }

  /// (B,) weights against (B, T) losses with B ≠ T do not broadcast (NumPy aligns trailing axes).
  /// Element-wise (B, C) weights against (B,) losses do not either.
  @Test func sampleWeightsThatDoNotAlign() throws {
    let y = try tensor(Array(repeating: 0, count: 24), [2, 3, 4])
    let p = try tensor(Array(repeating: 1, count: 24), [2, 3, 4])
    expectLossError(.incompatibleShapes, argument: "sample_weight") {
      try Reference.evaluate(.meanSquaredError, yTrue: y, yPred: p, sampleWeight: Tensor([1, 2]))
    }
    expectLossError(.incompatibleShapes, argument: "sample_weight") {
      try Reference.evaluate(
        .meanSquaredError, yTrue: try matrix([[0, 1, 0], [1, 0, 1]]), yPred: try matrix([[0, 1, 1], [1, 1, 1]]),
        sampleWeight: try matrix([[1, 2, 3], [4, 5, 6]]))
    }
  }

  /// A reduced axis of extent 0: the mean (or the class axis) over no elements is undefined.
  @Test(arguments: lastAxisLosses)
  func emptyReducedAxis(_ loss: NamedLoss) throws {
    let empty = try tensor([], [3, 0])
    expectLossError(.invalidShape, argument: "y_pred") {
      try Reference.evaluate(loss.loss, yTrue: empty, yPred: empty)
    }
  }

  @Test func emptyClassAxisForIntegerLabels() throws {
    let empty = try tensor([], [3, 0])
    expectLossError(.invalidShape, argument: "y_pred") {
      try Reference.evaluate(.sparseCategoricalCrossentropy(), yTrue: Tensor([0, 0, 0]), yPred: empty)
    }
    expectLossError(.invalidShape, argument: "y_pred") {
      try Reference.evaluate(.categoricalGeneralizedCrossEntropy(), yTrue: Tensor([0, 0, 0]), yPred: empty)
    }
    expectLossError(.invalidShape, argument: "y_pred") {
      try Reference.evaluate(.dice(axis: [-1]), yTrue: empty, yPred: empty)
    }
  }

  /// A rank-0 y_pred has no axis to reduce.
  @Test(arguments: lastAxisLosses)
  func scalarInput(_ loss: NamedLoss) throws {
    expectLossError(.invalidShape, argument: "y_pred") {
      try Reference.evaluate(loss.loss, yTrue: Tensor(scalar: 1), yPred: Tensor(scalar: 0.5))
    }
  }

  // MARK: Labels

  /// SCCE labels must be integers in [0, C); the error carries the flat index of the first bad one.
  /// −1 is valid only as the ignore_class.
  @Test(arguments: [3.0, -1.0, 1.5, .nan, .infinity, -.infinity])
  func sparseLabelOutOfDomain(_ label: Double) throws {
    let p = try matrix([[0.2, 0.5, 0.3], [0.3, 0.3, 0.4]])
    let error = expectLossError(.invalidValue, argument: "y_true") {
      try Reference.evaluate(.sparseCategoricalCrossentropy(), yTrue: Tensor([0, label]), yPred: p)
    }
    #expect(invalidValueIndex(error) == 1)
  }

  /// With ignore_class −1 the −1 is fine, but −2 and 3 are still errors.
  @Test func sparseLabelsBesideTheIgnoreClass() throws {
    let p = try matrix([[0.2, 0.5, 0.3], [0.3, 0.3, 0.4]])
    let loss = Loss.sparseCategoricalCrossentropy(ignoreClass: -1)
    _ = try Reference.evaluate(loss, yTrue: Tensor([-1, 2]), yPred: p)
    for bad in [-2.0, 3] {
      let error = expectLossError(.invalidValue, argument: "y_true") {
        try Reference.evaluate(loss, yTrue: Tensor([-1, bad]), yPred: p)
      }
      #expect(invalidValueIndex(error) == 1)
    }
  }

  @Test(arguments: [2.0, -1.0, 0.5, .nan])
  func generalizedCrossEntropyLabelOutOfDomain(_ label: Double) throws {
    let error = expectLossError(.invalidValue, argument: "y_true") {
      try Reference.evaluate(
        .categoricalGeneralizedCrossEntropy(), yTrue: Tensor([1, 0, label]), yPred: try matrix([[0.5, 0.5], [0.9, 0.1], [0.3, 0.7]]))
    }
    #expect(invalidValueIndex(error) == 2)
  }

  /// Circle labels may be any integer (they are only compared), but not fractions or NaN.
  @Test(arguments: [0.5, .nan, .infinity])
  func circleLabelNotAnInteger(_ label: Double) throws {
    let error = expectLossError(.invalidValue, argument: "y_true") {
      try Reference.evaluate(.circle(), yTrue: Tensor([7, label]), yPred: try matrix([[1, 0], [0, 1]]))
    }
    #expect(invalidValueIndex(error) == 1)
  }

  // MARK: Options

  @Test(arguments: [-0.1, 1.5, .nan, .infinity])
  func labelSmoothingOutOfRange(_ value: Double) throws {
    let y = try matrix([[0, 1]])
    let p = try matrix([[0.4, 0.6]])
    for loss: Loss in [
      .binaryCrossentropy(labelSmoothing: value), .binaryFocalCrossentropy(labelSmoothing: value),
      .categoricalCrossentropy(labelSmoothing: value), .categoricalFocalCrossentropy(labelSmoothing: value),
    ] {
      expectLossError(.invalidOption, argument: "label_smoothing") {
        try Reference.evaluate(loss, yTrue: y, yPred: p)
      }
    }
  }

  /// The domain's ends are allowed: label_smoothing 0 and 1.
  @Test func labelSmoothingAtItsBoundsIsAccepted() throws {
    // ls = 1 makes every binary target ½: BCE(½, p = .5) = ln 2.
    let value = try evaluateScalar(.binaryCrossentropy(labelSmoothing: 1), try matrix([[1]]), try matrix([[0.5]]))
    expectClose(value, 0.6931471805599453, relative: 1e-15)
    _ = try Reference.evaluate(.categoricalCrossentropy(labelSmoothing: 0), yTrue: try matrix([[0, 1]]), yPred: try matrix([[0.4, 0.6]]))
  }

  /// Keras raises unless 0 < q < 1.
  @Test(arguments: [0.0, 1.0, -0.5, 2.0, .nan])
  func generalizedCrossEntropyQ(_ q: Double) throws {
    expectLossError(.invalidOption, argument: "q") {
      try Reference.evaluate(.categoricalGeneralizedCrossEntropy(q: q), yTrue: Tensor([0]), yPred: try matrix([[0.5, 0.5]]))
    }
  }

  @Test(arguments: [0.0, -1.0, .nan, .infinity])
  func huberDelta(_ delta: Double) throws {
    expectLossError(.invalidOption, argument: "delta") {
      try Reference.evaluate(.huber(delta: delta), yTrue: try matrix([[0]]), yPred: try matrix([[1]]))
    }
  }

  @Test(arguments: [-1.0, .nan, .infinity])
  func focalGamma(_ gamma: Double) throws {
    let y = try matrix([[0, 1]])
    let p = try matrix([[0.4, 0.6]])
    expectLossError(.invalidOption, argument: "gamma") {
      try Reference.evaluate(.binaryFocalCrossentropy(gamma: gamma), yTrue: y, yPred: p)
    }
    expectLossError(.invalidOption, argument: "gamma") {
      try Reference.evaluate(.categoricalFocalCrossentropy(gamma: gamma), yTrue: y, yPred: p)
    }
  }

  @Test(arguments: [1.5, -0.1, .nan])
  func binaryFocalAlpha(_ alpha: Double) throws {
    expectLossError(.invalidOption, argument: "alpha") {
      try Reference.evaluate(
        .binaryFocalCrossentropy(applyClassBalancing: true, alpha: alpha), yTrue: try matrix([[0, 1]]), yPred: try matrix([[0.4, 0.6]]))
    }
  }

  /// Per-class α needs one value or one per class of the last axis (3 here); values finite and ≥ 0.
  @Test(arguments: [[Double](), [0.1, 0.2], [0.1, 0.2, 0.3, 0.4], [-1], [0.1, .nan, 0.3]])
  func categoricalFocalAlpha(_ alpha: [Double]) throws {
    expectLossError(.invalidOption, argument: "alpha") {
      try Reference.evaluate(
        .categoricalFocalCrossentropy(alpha: alpha), yTrue: try matrix([[0, 1, 0]]), yPred: try matrix([[0.2, 0.5, 0.3]]))
    }
  }

  @Test func circleOptions() throws {
    let y = Tensor<Double>([0, 0])
    let p = try matrix([[1, 0], [0, 1]])
    for gamma in [0.0, -1, .nan] {
      expectLossError(.invalidOption, argument: "gamma") {
        try Reference.evaluate(.circle(gamma: gamma), yTrue: y, yPred: p)
      }
    }
    expectLossError(.invalidOption, argument: "margin") {
      try Reference.evaluate(.circle(margin: .nan), yTrue: y, yPred: p)
    }
  }

  @Test func tverskyWeights() throws {
    let y = try matrix([[0, 1]])
    let p = try matrix([[0.4, 0.6]])
    expectLossError(.invalidOption, argument: "alpha") {
      try Reference.evaluate(.tversky(alpha: -1), yTrue: y, yPred: p)
    }
    expectLossError(.invalidOption, argument: "beta") {
      try Reference.evaluate(.tversky(beta: .nan), yTrue: y, yPred: p)
    }
  }

  /// Dice / Tversky axes: [] and duplicates are rejected up front; [0, −2] names axis 0 twice once
  /// resolved against rank 2.
  @Test(arguments: [[Int](), [0, 0], [1, 1], [0, -2], [2], [-3]])
  func overlapAxes(_ axis: [Int]) throws {
    let y = try matrix([[0, 1], [1, 1]])
    let p = try matrix([[0.4, 0.6], [0.5, 0.5]])
    expectLossError(.invalidOption, argument: "axis") {
      try Reference.evaluate(.dice(axis: axis), yTrue: y, yPred: p)
    }
    expectLossError(.invalidOption, argument: "axis") {
      try Reference.evaluate(.tversky(axis: axis), yTrue: y, yPred: p)
    }
  }

  /// An axis outside [−rank, rank).
  @Test(arguments: [2, -3, 7])
  func axisOutOfRange(_ axis: Int) throws {
    let y = try matrix([[0, 1], [1, 0]])
    let p = try matrix([[0.4, 0.6], [0.5, 0.5]])
    for loss: Loss in [
      .binaryCrossentropy(axis: axis), .binaryFocalCrossentropy(axis: axis), .categoricalCrossentropy(axis: axis),
      .categoricalFocalCrossentropy(axis: axis), .cosineSimilarity(axis: axis),
    ] {
      expectLossError(.invalidOption, argument: "axis") {
        try Reference.evaluate(loss, yTrue: y, yPred: p)
      }
    }
    expectLossError(.invalidOption, argument: "axis") {
      try Reference.evaluate(.sparseCategoricalCrossentropy(axis: axis), yTrue: Tensor([0, 1]), yPred: p)
    }
  }

  /// Keras 3 knows five reduction names; Keras 2's "auto" and near misses are errors.
  @Test(arguments: ["auto", "AUTO", "Sum", "", "mean_with_sample_weights", "sum_over_batch", "None"])
  func unknownReductionName(_ name: String) {
    expectLossError(.invalidOption, argument: "reduction") { try Reduction(kerasName: name) }
  }

  @Test func knownReductionNames() throws {
    #expect(try Reduction(kerasName: "sum_over_batch_size") == .sumOverBatchSize)
    #expect(try Reduction(kerasName: "mean") == .mean)
    #expect(try Reduction(kerasName: "sum") == .sum)
    #expect(try Reduction(kerasName: "mean_with_sample_weight") == .meanWithSampleWeight)
    #expect(try Reduction(kerasName: "none") == Reduction.none)
  }

  @Test(arguments: ["float16", "bfloat16", "Float32", "float", "double", "mixed_float16", ""])
  func unknownDTypeName(_ name: String) {
    expectLossError(.invalidOption, argument: "dtype") { try DType(kerasName: name) }
  }

  @Test func knownDTypeNames() throws {
    #expect(try DType(kerasName: "float32") == .float32)
    #expect(try DType(kerasName: "float64") == .float64)
  }

  // MARK: Not errors

  /// A NaN in y_pred is not an error: it reaches the reduced loss as NaN (Keras does the same).
  @Test(arguments: validInputs)
  func nanPredictionPropagates(_ input: ValidInput) throws {
    // The inputs themselves are valid and give a finite loss...
    let finite = try evaluateScalar(input.loss, input.yTrue, input.yPred)
    #expect(finite.isFinite)
    // ...and a NaN in the first prediction makes it NaN.
    var poisoned = input.yPred
    poisoned.scalars[0] = .nan
    // (Not mean_with_sample_weight: for circle the NaN rows fail `l > 0` and are masked out, and
    // divide_no_nan(NaN, Σm = 0) is 0 in Keras as here.)
    for reduction in [Reduction.sumOverBatchSize, .sum, .none] {
      let result = try Reference.evaluate(input.loss, yTrue: input.yTrue, yPred: poisoned, reduction: reduction)
      #expect(result.scalars.contains { $0.isNaN }, "\(reduction): \(result)")
    }
  }

  /// The NaN test above covers every one of the 22 losses.
  @Test func nanTestCoversEveryLoss() {
    #expect(Set(validInputs.map(\.loss.name)) == Set(LossName.allCases))
  }

  /// An ignored SCCE entry does not see its predictions at all (Keras replaces the row with 0s before
  /// the crossentropy and the result with 0 after), so a NaN there stays out of the loss:
  /// the valid row [1, 2, 3] with label 2 gives −log softmax = log(1 + e⁻¹ + e⁻²).
  @Test func nanInAnIgnoredRowDoesNotPropagate() throws {
    for fromLogits in [true, false] {
      let loss = Loss.sparseCategoricalCrossentropy(fromLogits: fromLogits, ignoreClass: -1)
      let p = try matrix([[.nan, .nan, .nan], [1, 2, 3]])
      let value = try evaluateScalar(loss, Tensor([-1, 2]), p, reduction: .sum)
      #expect(value.isFinite)
      if fromLogits {
        // lse([1, 2, 3]) − 3 = log(1 + e⁻¹ + e⁻²).
        expectClose(value, log(1 + exp(-1.0) + exp(-2.0)), relative: 1e-14)
      }
    }
  }

  /// Keras's own NaNs: Poisson p = −0.5 takes log of a negative; an all-zero CCE row is 0/0.
  @Test func kerasNaNs() throws {
    #expect(try evaluateScalar(.poisson, try matrix([[1]]), try matrix([[-0.5]])).isNaN)
    #expect(try evaluateScalar(.categoricalCrossentropy(), try matrix([[0, 1]]), try matrix([[0, 0]])).isNaN)
    #expect(try evaluateScalar(.categoricalGeneralizedCrossEntropy(), Tensor([0]), try matrix([[-0.5, 1.5]])).isNaN)
  }

  /// An empty batch of shape [0] comes back as an empty tensor, whatever the reduction (Keras
  /// returns a (0,)-shaped loss untouched).
  @Test(arguments: Reduction.allCases)
  func emptyBatch(_ reduction: Reduction) throws {
    let cases: [(Loss, Tensor<Double>, Tensor<Double>)] = [
      (.meanSquaredError, try tensor([], [0, 3]), try tensor([], [0, 3])),
      (.binaryCrossentropy(), try tensor([], [0, 1]), try tensor([], [0, 1])),
      (.categoricalCrossentropy(fromLogits: true), try tensor([], [0, 4]), try tensor([], [0, 4])),
      (.sparseCategoricalCrossentropy(), try tensor([], [0]), try tensor([], [0, 3])),
      (.ctc, try tensor([], [0, 2]), try tensor([], [0, 3, 2])),
    ]
    for (loss, y, p) in cases {
      let result = try Reference.evaluate(loss, yTrue: y, yPred: p, reduction: reduction)
      #expect(result.shape == [0], "\(loss.name)")
      #expect(result.scalars.isEmpty)
    }
  }
}
