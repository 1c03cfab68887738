// Reductions over a chosen axis (or axes) of rank-3 tensors, against plain index loops written
// here, and Keras's rank alignment (`squeeze_or_expand_to_same_rank`) of y_true against y_pred.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import Testing

@testable import LossReference

/// Shape (2, 3, 4), row-major: flat index of (i, j, k).
private let dims = [2, 3, 4]
private func at(_ i: Int, _ j: Int, _ k: Int) -> Int { (i * 3 + j) * 4 + k }

/// The coordinates of every element of (2, 3, 4) with axis `axis` left out, and for each the indices
/// of that lane, in order along the axis.
private func lanes(axis: Int) -> [[Int]] {
  var result = [[Int]]()
  let kept = (0..<3).filter { $0 != axis }
  for a in 0..<dims[kept[0]] {
    for b in 0..<dims[kept[1]] {
      result.append((0..<dims[axis]).map { c in
        var index = [0, 0, 0]
        index[kept[0]] = a
        index[kept[1]] = b
        index[axis] = c
        return at(index[0], index[1], index[2])
      })
    }
  }
  return result
}

private func randomValues(_ rng: inout SplitMix64, _ low: Double, _ high: Double) -> [Double] {
  (0..<24).map { _ in rng.uniform(low, high) }
}

@Suite("Axes and rank alignment")
struct AxisAndRankTests {
  /// BCE over axis 0, 1 or 2 of (2, 3, 4): per lane, the mean of −(y log p + (1 − y) log(1 − p)).
  @Test(arguments: [0, 1, 2, -1, -2, -3])
  func binaryCrossentropyAlongAnAxis(_ axis: Int) throws {
    var rng = SplitMix64(seed: UInt64(axis + 10))
    let y = randomValues(&rng, 0, 1)
    let p = randomValues(&rng, 0.01, 0.99)
    let resolved = (axis + 3) % 3
    let expected = lanes(axis: resolved).map { lane in
      lane.map { -(y[$0] * log(p[$0]) + (1 - y[$0]) * log(1 - p[$0])) }.reduce(0, +) / Double(lane.count)
    }
    let values = try perSample(.binaryCrossentropy(axis: axis), try tensor(y, dims), try tensor(p, dims))
    expectClose(values, expected, shape: dims.enumerated().filter { $0.offset != resolved }.map(\.element), relative: 1e-13)
  }

  /// CCE from logits over axis 1 (C = 3), with label smoothing 0.3 over C = 3: t = y·0.7 + 0.1;
  /// per lane lse(x) − Σ t·x when Σt = 1, here computed as −Σ t·(x − lse(x)) for any t.
  @Test func categoricalCrossentropyAlongTheMiddleAxis() throws {
    var rng = SplitMix64(seed: 0xCCE1)
    let y = randomValues(&rng, 0, 1)
    let x = randomValues(&rng, -4, 4)
    let expected = lanes(axis: 1).map { lane -> Double in
      let lse = log(lane.map { exp(x[$0]) }.reduce(0, +))
      return -lane.map { (y[$0] * 0.7 + 0.1) * (x[$0] - lse) }.reduce(0, +)
    }
    let values = try perSample(
      .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.3, axis: 1), try tensor(y, dims), try tensor(x, dims))
    expectClose(values, expected, shape: [2, 4], relative: 1e-13)
  }

  /// SCCE along axis 1 of (2, 3, 4) probabilities: labels (2, 4), each picking −log(p_c / Σ p).
  @Test func sparseCrossentropyAlongTheMiddleAxis() throws {
    var rng = SplitMix64(seed: 0x5CCE)
    let p = randomValues(&rng, 0.05, 1)
    let labels = (0..<8).map { _ in Double(rng.integer(in: 0...2)) }
    let expected = lanes(axis: 1).enumerated().map { n, lane -> Double in
      let total = lane.map { p[$0] }.reduce(0, +)
      return -log(p[lane[Int(labels[n])]] / total)
    }
    let values = try perSample(.sparseCategoricalCrossentropy(axis: 1), try tensor(labels, [2, 4]), try tensor(p, dims))
    expectClose(values, expected, shape: [2, 4], relative: 1e-13)
  }

  /// Cosine similarity along axis 1: −(y·p)/(‖y‖‖p‖) per lane.
  @Test func cosineAlongTheMiddleAxis() throws {
    var rng = SplitMix64(seed: 0xC05)
    let y = randomValues(&rng, -1, 1)
    let p = randomValues(&rng, -1, 1)
    let expected = lanes(axis: 1).map { lane -> Double in
      let dot = lane.map { y[$0] * p[$0] }.reduce(0, +)
      let ny = sqrt(lane.map { y[$0] * y[$0] }.reduce(0, +))
      let np = sqrt(lane.map { p[$0] * p[$0] }.reduce(0, +))
      return -dot / (ny * np)
    }
    let values = try perSample(.cosineSimilarity(axis: 1), try tensor(y, dims), try tensor(p, dims))
    expectClose(values, expected, shape: [2, 4], relative: 1e-12, absolute: 1e-15)
  }

  /// Dice over axes [0, 2] of (2, 3, 4) leaves axis 1: per j, 1 − 2Σ_{i,k} y·p / (Σy + Σp + eps).
  /// The axis order does not matter: [2, 0] and [−1, 0] give the same.
  @Test(arguments: [[0, 2], [2, 0], [-1, 0], [0, -1]])
  func diceOverTwoAxes(_ axes: [Int]) throws {
    var rng = SplitMix64(seed: 0xD1CE)
    let y = randomValues(&rng, 0, 1)
    let p = randomValues(&rng, 0, 1)
    let expected = (0..<3).map { j -> Double in
      var intersection = 0.0
      var union = 0.0
      for i in 0..<2 {
        for k in 0..<4 {
          intersection += y[at(i, j, k)] * p[at(i, j, k)]
          union += y[at(i, j, k)] + p[at(i, j, k)]
        }
      }
      return 1 - 2 * intersection / (union + 1e-7)
    }
    let values = try perSample(.dice(axis: axes), try tensor(y, dims), try tensor(p, dims))
    expectClose(values, expected, shape: [3], relative: 1e-13)
  }

  /// y_true (B,) against y_pred (B, 1): y_true gains the trailing 1, so BCE is per sample (B,), not a
  /// (B, B) broadcast (keras-losses.md §2). y = [1, 0], p = [[0.5], [0.25]] → [ln 2, −log 0.75].
  @Test func rankOneLabelsAgainstATrailingOne() throws {
    let values = try perSample(.binaryCrossentropy(), Tensor([1, 0]), try matrix([[0.5], [0.25]]))
    expectClose(values, [log(2.0), -log(0.75)], relative: 1e-15)
    // Elementwise losses too: MSE of y (2, 1) against p (2,) is [1, 9], not a 2×2 broadcast.
    let mse = try perSample(.meanSquaredError, try matrix([[0], [0]]), Tensor([1, 3]))
    #expect(mse.shape == [2])
    #expect(mse.scalars == [1, 9])
  }

  /// y_true (B, T, 1) against y_pred (B, T): the longer one is squeezed (rank > 1), so the mean runs
  /// over T: y = 0, p = [[1, 3], [2, 2]] → [5, 4].
  @Test func trailingOneIsSqueezedAboveRankOne() throws {
    let values = try perSample(.meanSquaredError, try tensor([0, 0, 0, 0], [2, 2, 1]), try matrix([[1, 3], [2, 2]]))
    #expect(values.shape == [2])
    #expect(values.scalars == [5, 4])
  }

  /// Broadcasting that is not a rank alignment: y (3,) against p (2, 3) → per-sample (2,).
  @Test func elementwiseLossesBroadcast() throws {
    let values = try perSample(.meanAbsoluteError, Tensor([0, 1, 2]), try matrix([[0, 1, 2], [3, 1, 2]]))
    #expect(values.scalars == [0, 1])
  }

  /// Rank-1 inputs give a scalar per-sample loss, which the reductions pass through; (B,) weights
  /// turn it into (B,): MSE([0, 0], [1, 3]) = 5, and with w = [2, 3] → [10, 15], sum 25,
  /// sum_over_batch_size 12.5, mean_with_sample_weight 25/5 = 5.
  @Test func rankOneInputsGiveAScalarLoss() throws {
    let y = Tensor<Double>([0, 0])
    let p = Tensor<Double>([1, 3])
    for reduction in Reduction.allCases {
      let result = try Reference.evaluate(.meanSquaredError, yTrue: y, yPred: p, reduction: reduction)
      #expect(result.shape == [])
      #expect(result.scalars == [5])
    }
    let w = Tensor<Double>([2, 3])
    #expect(try Reference.evaluate(.meanSquaredError, yTrue: y, yPred: p, sampleWeight: w, reduction: .none).scalars == [10, 15])
    #expect(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w, reduction: .sum) == 25)
    #expect(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w) == 12.5)
    #expect(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: w, reduction: .meanWithSampleWeight) == 5)
  }

  /// A scalar loss with weights of shape (1,): the rank rule squeezes the weight to a scalar, so
  /// the product is a scalar and passes through every reduction, even mean_with_sample_weight:
  /// 5·2 = 10.
  @Test func scalarLossWithASingleWeight() throws {
    for reduction in Reduction.allCases {
      let result = try Reference.evaluate(
        .meanSquaredError, yTrue: Tensor([0, 0]), yPred: Tensor([1, 3]), sampleWeight: Tensor([2]), reduction: reduction)
      #expect(result.shape == [])
      #expect(result.scalars == [10])
    }
  }
}
