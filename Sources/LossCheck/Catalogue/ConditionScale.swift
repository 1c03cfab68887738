#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import LossReference

/// The magnitude against which a loss's rounding error is measured: Σ|terms| of each result
/// element, where a plain ULP bound would be meaningless because terms cancel.
///
/// A Float32 evaluation rounds each intermediate to within u = 2⁻²⁴ of its value, so its error is a
/// small multiple of u times the magnitude of what it adds, subtracts or takes the log of — not of
/// the result. Each loss's per-sample scale below names those magnitudes; the scale of a reduced
/// result is the same reduction of the per-sample scales with |weights|.
enum ConditionScale {
  /// One scale per element of the loss's result on `input` (a single one when it is reduced).
  static func scales(_ loss: Loss, _ input: LossInput) throws -> [Double] {
    let y = input.yTrue.map(Double.init)
    let p = input.yPred.map(Double.init)
    let (values, mask) = try Reference.unreducedLosses(loss, yTrue: y, yPred: p, as: .float32)
    let perSample = sampleScales(loss, y, p, values)
    let weight = input.sampleWeight.map { $0.map { abs(Double($0)) } }
    let scaled = try Tensor(shape: values.shape, scalars: perSample)
    // The reduction of the per-sample scales is the reduction of a loss whose per-sample values
    // are those scales: mean absolute error against zeros along a trailing axis of 1.
    let asColumn = try scaled.reshaped(to: values.shape + [1])
    let zeros = asColumn.map { _ in 0.0 }
    guard mask != nil else {
      return try Reference.evaluate(
        .meanAbsoluteError, yTrue: zeros, yPred: asColumn, sampleWeight: weight, reduction: input.reduction,
        as: .float64
      ).scalars
    }
    // With a mask, zero the masked samples' scales; Keras divides by the valid count there.
    let valid = mask!.lazy.filter { $0 }.count
    let masked = zip(perSample, mask!).map { $1 ? $0 : 0 }
    let total = try Reference.evaluate(
      .meanAbsoluteError, yTrue: zeros, yPred: try Tensor(shape: values.shape + [1], scalars: masked),
      sampleWeight: weight, reduction: input.reduction == .none ? .none : .sum, as: .float64)
    switch input.reduction {
    case .none, .sum, .meanWithSampleWeight: return total.scalars
    case .sumOverBatchSize, .mean: return total.scalars.map { valid == 0 ? 0 : $0 / Double(valid) }
    }
  }

  /// Σ|terms| of each per-sample loss, in the order of the reference's per-sample values.
  static func sampleScales(_ loss: Loss, _ y: Tensor<Double>, _ p: Tensor<Double>, _ values: Tensor<Double>) -> [Double] {
    let own = values.scalars.map { abs($0) }
    let eps = Double(Float(1e-7))
    switch loss {
    case .meanSquaredError, .meanAbsoluteError, .meanAbsolutePercentageError,
      .binaryCrossentropy, .dice, .tversky:
      // Sums of non-negative terms (dice and tversky: 1 − a ratio of sums of them).
      return own.map { $0 + 1 * isRatio(loss) }
    case .huber:
      return own.map { 2 * $0 }
    case .meanSquaredLogarithmicError:
      return laneMeans(y, p, own) { y, p in
        let (a, b) = (log1p(Swift.max(p, eps)), log1p(Swift.max(y, eps)))
        return 2 * abs(a - b) * (abs(a) + abs(b))
      }
    case .logCosh:
      return laneMeans(y, p, own) { y, p in abs(p - y) + log(2) }
    case .poisson:
      return laneMeans(y, p, own) { y, p in abs(p) + abs(y * log(p + eps)) }
    case .hinge, .squaredHinge:
      let binary = y.scalars.allSatisfy { $0 == 0 || $0 == 1 }
      let squared = loss == .squaredHinge
      return laneMeans(y, p, own) { y, p in
        let label = binary ? 2 * y - 1 : y
        let margin = Swift.max(1 - label * p, 0)
        return (1 + abs(label * p)) * (squared ? 2 * margin : 1)
      }
    case .categoricalHinge:
      return laneSums(y, p, own) { y, p in abs(y * p) + abs(p) }.map { 1 + $0 }
    case .cosineSimilarity(let axis):
      // Σ|ŷ·p̂| ≤ 1 by Cauchy–Schwarz; the norms and the quotient add a few u relative.
      return own.map { $0 + 2 }.enumerated().map { $1 + Double(axis) * 0 }
    case .klDivergence:
      return laneSums(y, p, own) { y, p in
        let (yc, pc) = (Swift.min(Swift.max(y, eps), 1), Swift.min(Swift.max(p, eps), 1))
        return yc * (1 + abs(log(yc / pc)))
      }
    case .binaryFocalCrossentropy(_, _, let gamma, _, _, _), .categoricalFocalCrossentropy(_, let gamma, _, _, _):
      // pow(1 − p_t, γ) is exp(γ·log(1 − p_t)): relative error about u·(1 + γ·|log(1 − p_t)|),
      // and |log| ≤ 17 after the clip; the log of each probability adds u absolute per class.
      return own.map { $0 * (2 + 17 * gamma) + 1 }
    case .categoricalCrossentropy(let fromLogits, _, _), .sparseCategoricalCrossentropy(let fromLogits, _, _):
      // From logits the loss is lse − x_t: both are rounded on the scale of the logits' spread.
      guard fromLogits else { return own.map { $0 + 1 } }
      let width = p.shape.last ?? 1
      return own.enumerated().map { sample, base in base + 1 + spread(p, sample: sample, length: width) }
    case .categoricalGeneralizedCrossEntropy(let q):
      return own.map { _ in 2 / q }
    case .ctc:
      // T log-sum-exps in the forward recursion, each rounded on the scale of the logits' spread.
      let (steps, classes) = p.shape.count == 3 ? (p.shape[1], p.shape[2]) : (1, 1)
      return own.enumerated().map { sample, base in
        base + Double(steps) * (1 + spread(p, sample: sample, length: steps * classes))
      }
    case .circle(let gamma, let margin, _):
      return own.map { $0 + 2 * gamma * (2 + abs(margin)) * (2 + abs(margin)) + 4 }
    }
  }

  /// 1 for the ratio losses (dice, tversky), whose error is relative to the ratio, not the result.
  private static func isRatio(_ loss: Loss) -> Double {
    switch loss {
    case .dice, .tversky: 2
    default: 0
    }
  }

  /// max − min + |max| of the `length` scalars of `x` that belong to `sample`.
  private static func spread(_ x: Tensor<Double>, sample: Int, length: Int) -> Double {
    let start = sample * length
    guard start < x.count else { return 0 }
    let slice = x.scalars[start..<Swift.min(x.count, start + length)]
    guard let high = slice.max(), let low = slice.min() else { return 0 }
    return (high - low) + abs(high)
  }

  /// Per-sample means over the last axis of `term`, plus the sample's own magnitude.
  private static func laneMeans(
    _ y: Tensor<Double>, _ p: Tensor<Double>, _ own: [Double], axis: Int = -1, _ term: (Double, Double) -> Double
  ) -> [Double] {
    laneTerms(y, p, count: own.count, axis: axis, term).enumerated().map { sample, terms in
      own[sample] + terms.reduce(0, +) / Double(Swift.max(terms.count, 1))
    }
  }

  /// Per-sample sums over `axis` of `term`, plus the sample's own magnitude.
  private static func laneSums(
    _ y: Tensor<Double>, _ p: Tensor<Double>, _ own: [Double], axis: Int = -1, _ term: (Double, Double) -> Double
  ) -> [Double] {
    laneTerms(y, p, count: own.count, axis: axis, term).enumerated().map { sample, terms in
      own[sample] + terms.reduce(0, +)
    }
  }

  /// `term` of each element, grouped by the sample (lane along `axis`) it reduces into.
  ///
  /// The generators give `y_true` and `y_pred` one shape, so a lane is the same offsets in both; a
  /// sample count that does not match the lanes (a malformed input) gives no terms.
  private static func laneTerms(
    _ y: Tensor<Double>, _ p: Tensor<Double>, count: Int, axis: Int, _ term: (Double, Double) -> Double
  ) -> [[Double]] {
    guard y.shape == p.shape, let a = Shape.normalizedAxis(axis, rank: p.rank) else {
      return Array(repeating: [], count: count)
    }
    let length = p.shape[a]
    let inner = p.shape[(a + 1)...].reduce(1, *)
    let outer = p.shape[..<a].reduce(1, *)
    guard outer * inner == count else { return Array(repeating: [], count: count) }
    return (0..<count).map { sample in
      let (o, i) = (sample / inner, sample % inner)
      return (0..<length).map { j in
        let offset = o * length * inner + j * inner + i
        return term(y.scalars[offset], p.scalars[offset])
      }
    }
  }
}
