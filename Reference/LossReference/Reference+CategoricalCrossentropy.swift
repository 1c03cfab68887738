#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Categorical crossentropy and its focal variant, over one class axis.
extension Reference {
  /// −Σ over `axis` of t·log o, with o = clip(p / Σp, eps, 1 − eps) from probabilities, or
  /// o = softmax(x) (as log-softmax, max subtracted) from logits.
  ///
  /// Label smoothing: t = y·(1 − ls) + ls / C, with C the extent of `axis` in `y_pred` (the fixed
  /// semantics; Keras 3.15.1 took the last axis of `y_true`). `y_true` and `y_pred` must have equal
  /// shapes, as Keras requires. An all-zero probability row gives NaN (0/0), as in Keras.
  static func categoricalCrossentropy(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, fromLogits: Bool, labelSmoothing: Double,
    axis: Int, _ constants: Constants
  ) throws -> Unreduced {
    let operands = try Operands.matching(yTrue, yPred)
    let lanes = try operands.lanes(axis: axis)
    let scalars = (0..<lanes.count).map { lane -> Double in
      let offsets = lanes.offsets(ofLane: lane)
      let t = smoothCategorical(offsets.map { operands.yTrue[$0] }, labelSmoothing)
      let logProbabilities = logProbabilities(
        offsets.map { operands.yPred[$0] }, fromLogits: fromLogits, constants)
      return -ReferenceMath.sum(zip(t, logProbabilities).map(*))
    }
    return Unreduced(try Tensor(shape: lanes.resultShape, scalars: scalars))
  }

  /// Σ over `axis` of α_c·(1 − o_c)^γ · (−t_c·log o_c), with o = clip(p / Σp, eps, 1 − eps) and p the
  /// softmax of the logits when `fromLogits`. The modulating factor uses each class's own o_c.
  ///
  /// `alpha` holds one value, or one per class along the *last* axis (it broadcasts there, as in
  /// Keras).
  static func categoricalFocalCrossentropy(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, alpha: [Double], gamma: Double, fromLogits: Bool,
    labelSmoothing: Double, axis: Int, _ constants: Constants
  ) throws -> Unreduced {
    let operands = try Operands.matching(yTrue, yPred)
    let lanes = try operands.lanes(axis: axis)
    let lastExtent = operands.shape.last ?? 1
    guard alpha.count == 1 || alpha.count == lastExtent else {
      throw LossError.invalidOption(
        name: "alpha", value: "\(alpha.count) values",
        expected: "one value, or one per entry of the last axis (\(lastExtent))")
    }
    let scalars = (0..<lanes.count).map { lane -> Double in
      let offsets = lanes.offsets(ofLane: lane)
      let t = smoothCategorical(offsets.map { operands.yTrue[$0] }, labelSmoothing)
      var p = offsets.map { operands.yPred[$0] }
      if fromLogits {
        p = logProbabilities(p, fromLogits: true, constants).map { exp($0) }
      }
      let o = clippedNormalized(p, constants)
      let terms = offsets.indices.map { j -> Double in
        let a = alpha.count == 1 ? alpha[0] : alpha[offsets[j] % lastExtent]
        return a * pow(1 - o[j], gamma) * (-t[j] * log(o[j]))
      }
      return ReferenceMath.sum(terms)
    }
    return Unreduced(try Tensor(shape: lanes.resultShape, scalars: scalars))
  }

  /// y·(1 − ls) + ls / C over one row, or y when ls is 0.
  private static func smoothCategorical(_ y: [Double], _ labelSmoothing: Double) -> [Double] {
    guard labelSmoothing != 0 else { return y }
    let classes = Double(y.count)
    return y.map { $0 * (1 - labelSmoothing) + labelSmoothing / classes }
  }

  /// The log-probabilities of one row: log of the clipped, renormalised probabilities, or the
  /// log-softmax of logits (x − max − log Σ exp(x − max)).
  static func logProbabilities(_ row: [Double], fromLogits: Bool, _ constants: Constants) -> [Double] {
    if fromLogits {
      let logSum = ReferenceMath.logSumExp(row)
      if logSum.isInfinite {
        // All −∞ (or an +∞ logit): Keras's x − max − log Σ exp(x − max) gives NaN here too.
        let m = row.reduce(-Double.infinity, ReferenceMath.maximum)
        let shifted = row.map { $0 - m }
        return shifted.map { $0 - log(ReferenceMath.sum(shifted.map(exp))) }
      }
      return row.map { $0 - logSum }
    }
    return clippedNormalized(row, constants).map { log($0) }
  }

  /// clip(p / Σp, eps, 1 − eps) over one row.
  static func clippedNormalized(_ row: [Double], _ constants: Constants) -> [Double] {
    let total = ReferenceMath.sum(row)
    return row.map { ReferenceMath.clip($0 / total, constants.epsilon, constants.oneMinusEpsilon) }
  }
}
