// The batch reductions of keras-losses.md §3, checked by hand and by their algebraic relations.
//
// The per-sample losses used here are MSE rows whose values are exact in binary, so most expected
// values are exact; where a division by 3 or a random input appears, rel 1e-14 (a few dozen ULP of
// a compensated sum of ≤ 30 terms) is used.

import LossCore
import Testing

@testable import LossReference

/// MSE rows chosen so the per-sample losses are exact: y = 0 and p = [a, b] give (a² + b²)/2.
/// Rows: [1, 1] → 1, [2, 0] → 2, [1, 0] → 0.5, [3, 1] → 5.
private let rowsTrue = try! matrix([[0, 0], [0, 0], [0, 0], [0, 0]])
private let rowsPred = try! matrix([[1, 1], [2, 0], [1, 0], [3, 1]])
private let rowLosses: [Double] = [1, 2, 0.5, 5]

/// Random per-timestep MSE inputs of shape (B, T, F): per-sample losses (B, T).
private func randomSequenceBatch(_ rng: inout SplitMix64, b: Int, t: Int, f: Int) throws -> (Tensor<Double>, Tensor<Double>) {
  let count = b * t * f
  let y = try tensor((0..<count).map { _ in rng.uniform(-2, 2) }, [b, t, f])
  let p = try tensor((0..<count).map { _ in rng.uniform(-2, 2) }, [b, t, f])
  return (y, p)
}

@Suite("Reductions")
struct ReductionTests {
  @Test func perSampleLossesAreAsConstructed() throws {
    let values = try perSample(.meanSquaredError, rowsTrue, rowsPred)
    #expect(values.shape == [4])
    #expect(values.scalars == rowLosses)
  }

  /// Σl = 8.5, N = 4: sum 8.5; sum_over_batch_size and mean 8.5/4 = 2.125 (exact).
  @Test func unweightedReductionsByHand() throws {
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, reduction: .sum) == 8.5)
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred) == 2.125)
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, reduction: .mean) == 2.125)
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, reduction: .meanWithSampleWeight) == 2.125)
  }

  /// sum = sum_over_batch_size × N, with N the element count of the per-sample losses (B·T for
  /// sequence losses, not B), and `none` sums to `sum`.
  @Test(arguments: [(1, 1, 3), (4, 1, 2), (2, 3, 4), (5, 7, 1)])
  func sumIsMeanTimesElementCount(b: Int, t: Int, f: Int) throws {
    var rng = SplitMix64(seed: UInt64(b * 100 + t * 10 + f))
    let (y, p) = try randomSequenceBatch(&rng, b: b, t: t, f: f)
    let sum = try evaluateScalar(.meanSquaredError, y, p, reduction: .sum)
    let mean = try evaluateScalar(.meanSquaredError, y, p)
    expectClose(sum, mean * Double(b * t), relative: 1e-14)
    let none = try Reference.evaluate(.meanSquaredError, yTrue: y, yPred: p, reduction: .none)
    #expect(none.shape == [b, t])
    expectClose(none.scalars.reduce(0, +), sum, relative: 1e-14)
    #expect(try evaluateScalar(.meanSquaredError, y, p, reduction: .mean) == mean)
  }

  /// Weights [1, 1, 1, 1] change nothing; mean_with_sample_weight then divides by Σw = 4 = N.
  @Test func unitWeightsLeaveTheMeanAlone() throws {
    let ones = Tensor<Double>([1, 1, 1, 1])
    for reduction in [Reduction.sumOverBatchSize, .meanWithSampleWeight] {
      #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: ones, reduction: reduction) == 2.125)
    }
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: ones, reduction: .sum) == 8.5)
  }

  /// w = [1, 2, 0, 0.5]: l·w = [1, 4, 0, 2.5]. sum 7.5; sum_over_batch_size 7.5/4 (weights are not
  /// in the divisor); mean_with_sample_weight 7.5/Σw = 7.5/3.5; none [1, 4, 0, 2.5].
  @Test func weightedReductionsByHand() throws {
    let w = Tensor<Double>([1, 2, 0, 0.5])
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: w, reduction: .sum) == 7.5)
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: w) == 1.875)
    expectClose(
      try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: w, reduction: .meanWithSampleWeight),
      7.5 / 3.5, relative: 1e-15)
    let none = try Reference.evaluate(.meanSquaredError, yTrue: rowsTrue, yPred: rowsPred, sampleWeight: w, reduction: .none)
    #expect(none.scalars == [1, 4, 0, 2.5])
  }

  /// The weighted reductions are linear in w: R(3w) = 3·R(w) and R(w₁ + w₂) = R(w₁) + R(w₂) for sum
  /// and sum_over_batch_size; mean_with_sample_weight is invariant under scaling w.
  @Test func weightsActLinearly() throws {
    var rng = SplitMix64(seed: 0x11_4EA2)
    let (y, p) = try randomSequenceBatch(&rng, b: 6, t: 1, f: 3)
    let w1 = Tensor((0..<6).map { _ in rng.uniform(0, 2) })
    let w2 = Tensor((0..<6).map { _ in rng.uniform(0, 2) })
    let w3 = w1.map { 3 * $0 }
    let w12 = Tensor(zip(w1.scalars, w2.scalars).map(+))
    for reduction in [Reduction.sum, .sumOverBatchSize] {
      let r1 = try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w1, reduction: reduction)
      let r2 = try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w2, reduction: reduction)
      expectClose(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w3, reduction: reduction), 3 * r1, relative: 1e-14)
      expectClose(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w12, reduction: reduction), r1 + r2, relative: 1e-14)
    }
    let m1 = try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w1, reduction: .meanWithSampleWeight)
    expectClose(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w3, reduction: .meanWithSampleWeight), m1, relative: 1e-14)
  }

  /// A zero weight removes its sample from `sum`: weights [1, 0, 1, 0] give the sum over rows 0 and 2
  /// evaluated on their own (1 + 0.5). Negative weights are accepted: w = −1 gives −Σl.
  @Test func zeroWeightRemovesASampleFromTheSum() throws {
    let masked = try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: Tensor([1, 0, 1, 0]), reduction: .sum)
    let alone = try evaluateScalar(
      .meanSquaredError, try matrix([[0, 0], [0, 0]]), try matrix([[1, 1], [1, 0]]), reduction: .sum)
    #expect(masked == alone)
    #expect(masked == 1.5)
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: Tensor([-1, -1, -1, -1]), reduction: .sum) == -8.5)
  }

  /// All weights 0: sum 0, sum_over_batch_size 0/N = 0, mean_with_sample_weight divide_no_nan(0, 0) = 0.
  @Test(arguments: [Reduction.sum, .sumOverBatchSize, .meanWithSampleWeight])
  func allZeroWeights(_ reduction: Reduction) throws {
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: Tensor([0, 0, 0, 0]), reduction: reduction) == 0)
  }

  /// Sequence losses (B, T) = (2, 3) with weights (B, 1) = [[1], [3]]: every timestep of row b is
  /// weighted by w_b. mean_with_sample_weight divides by Σ_b w_b = 4, not by T·Σw = 12
  /// (keras-losses.md §3: value = Σ(l·w)/Σw). sum_over_batch_size divides by B·T = 6.
  /// Losses: y = 0, p = [[[1],[2],[3]], [[1],[1],[2]]] (F = 1) → l = [[1, 4, 9], [1, 1, 4]];
  /// Σ l·w = 14 + 3·6 = 32.
  @Test func columnWeightsOnSequenceLosses() throws {
    let y = try tensor(Array(repeating: 0, count: 6), [2, 3, 1])
    let p = try tensor([1, 2, 3, 1, 1, 2], [2, 3, 1])
    let w = try matrix([[1], [3]])
    #expect(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w, reduction: .sum) == 32)
    #expect(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w, reduction: .meanWithSampleWeight) == 8)
    expectClose(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w), 32.0 / 6, relative: 1e-15)
    let none = try Reference.evaluate(.meanSquaredError, yTrue: y, yPred: p, sampleWeight: w, reduction: .none)
    #expect(none.shape == [2, 3])
    #expect(none.scalars == [1, 4, 9, 3, 3, 12])
  }

  /// (B,) weights with (B, T) losses when B == T: NumPy broadcasting aligns the weights with the
  /// *last* axis, so l[b, t] is weighted by w[t] (the silent Keras behaviour of §3).
  /// l = [[1, 4, 9], [1, 1, 4], [0, 1, 0]] with w = [1, 2, 3] → [[1, 8, 27], [1, 2, 12], [0, 2, 0]].
  @Test func rowWeightsOnSquareSequenceLossesWeighTheLastAxis() throws {
    let y = try tensor(Array(repeating: 0, count: 9), [3, 3, 1])
    let p = try tensor([1, 2, 3, 1, 1, 2, 0, 1, 0], [3, 3, 1])
    let none = try Reference.evaluate(.meanSquaredError, yTrue: y, yPred: p, sampleWeight: Tensor([1, 2, 3]), reduction: .none)
    #expect(none.shape == [3, 3])
    #expect(none.scalars == [1, 8, 27, 1, 2, 12, 0, 2, 0])
  }

  /// A scalar weight s multiplies every loss: sum s·Σl; mean_with_sample_weight divides by the
  /// *unbroadcast* Σw = s and so returns Σl (Keras's quirk).
  @Test func scalarWeight() throws {
    let s = Tensor<Double>(scalar: 0.5)
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: s, reduction: .sum) == 4.25)
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: s) == 1.0625)
    #expect(try evaluateScalar(.meanSquaredError, rowsTrue, rowsPred, sampleWeight: s, reduction: .meanWithSampleWeight) == 8.5)
  }

  // MARK: Masks

  /// SCCE with ignore_class: losses [a, b, 0, c] with mask [T, T, F, T], a = lse − 1, b = lse − 3,
  /// c = lse − 2 (logits as in the Keras vector). The mean reductions divide by the 3 valid entries;
  /// sum adds them; none zeroes the ignored entry.
  @Test func maskedSparseCrossentropyAveragesOverValidEntries() throws {
    let loss = Loss.sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1)
    let y = Tensor<Double>([0, 2, -1, 1])
    let p = try matrix([[1, 2, 3], [1, 2, 3], [1, 2, 3], [3, 2, 1]])
    let unreduced = try Reference.unreducedLosses(loss, yTrue: y, yPred: p)
    let valid = [0, 1, 3].map { unreduced.values.scalars[$0] }
    let total = valid.reduce(0, +)
    expectClose(try evaluateScalar(loss, y, p, reduction: .sum), total, relative: 1e-15)
    for reduction in [Reduction.sumOverBatchSize, .mean, .meanWithSampleWeight] {
      expectClose(try evaluateScalar(loss, y, p, reduction: reduction), total / 3, relative: 1e-15)
    }
    let none = try Reference.evaluate(loss, yTrue: y, yPred: p, reduction: .none)
    #expect(none.scalars[2] == 0)
    expectClose(none.scalars[0], valid[0], relative: 1e-15)
  }

  /// Mask and weights together, per-timestep labels (B, T) = (2, 2) with weights (B, 1) = [[1], [3]]:
  /// entry (1, 0) is ignored. l = [[a, b], [0, c]], m = [[1, 1], [0, 1]].
  /// sum_over_batch_size: weights become w·m·total/valid = w·m·4/3, divided by N = 4 →
  /// (a + b + 3c)/3. mean_with_sample_weight: Σ(l·w·m)/Σ(w·m) = (a + b + 3c)/(1 + 1 + 3).
  /// sum: a + b + 3c.
  @Test func maskAndColumnWeights() throws {
    let loss = Loss.sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1)
    let y = try matrix([[0, 2], [-1, 1]])
    let p = try tensor([1, 2, 3, 0, 0, 1, 5, 5, 5, 2, 0, -1], [2, 2, 3])
    let l = try Reference.unreducedLosses(loss, yTrue: y, yPred: p).values.scalars
    let (a, b, c) = (l[0], l[1], l[3])
    let w = try matrix([[1], [3]])
    expectClose(try evaluateScalar(loss, y, p, sampleWeight: w, reduction: .sum), a + b + 3 * c, relative: 1e-15)
    expectClose(try evaluateScalar(loss, y, p, sampleWeight: w), (a + b + 3 * c) / 3, relative: 1e-15)
    expectClose(
      try evaluateScalar(loss, y, p, sampleWeight: w, reduction: .meanWithSampleWeight), (a + b + 3 * c) / 5, relative: 1e-15)
  }

  // MARK: Scalar losses

  /// Dice over all axes is a scalar d, returned untouched by every reduction (none included).
  /// With (B,) weights [2, 3] the product is (B,) = [2d, 3d] and is then reduced:
  /// none [2d, 3d], sum 5d, sum_over_batch_size 5d/2, mean_with_sample_weight 5d/5 = d.
  @Test func scalarLossPassthrough() throws {
    let y = try matrix([[1, 0, 1], [0, 1, 1]])
    let p = try matrix([[0.9, 0.2, 0.6], [0.1, 0.3, 0.8]])
    let d = 1 - 5.2 / (6.9 + 1e-7)
    for reduction in Reduction.allCases {
      let result = try Reference.evaluate(.dice(), yTrue: y, yPred: p, reduction: reduction)
      expectClose(result, [d], shape: [], relative: 1e-12)
    }
    let w = Tensor<Double>([2, 3])
    expectClose(try Reference.evaluate(.dice(), yTrue: y, yPred: p, sampleWeight: w, reduction: .none), [2 * d, 3 * d], relative: 1e-12)
    expectClose(try evaluateScalar(.dice(), y, p, sampleWeight: w, reduction: .sum), 5 * d, relative: 1e-12)
    expectClose(try evaluateScalar(.dice(), y, p, sampleWeight: w), 2.5 * d, relative: 1e-12)
    expectClose(try evaluateScalar(.dice(), y, p, sampleWeight: w, reduction: .meanWithSampleWeight), d, relative: 1e-12)
  }
}
