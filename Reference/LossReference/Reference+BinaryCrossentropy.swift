#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Binary crossentropy and its focal variant.
extension Reference {
  /// mean over `axis` of the binary crossentropy of each element.
  ///
  /// Labels are smoothed first when `labelSmoothing` ≠ 0: t = y·(1 − ls) + ½·ls. From probabilities,
  /// p is clipped to [eps, 1 − eps] and the term is −(t·log p + (1 − t)·log(1 − p)); from logits it
  /// is t·softplus(−x) + (1 − t)·softplus(x), JAX's −t·log σ(x) − (1 − t)·log σ(−x).
  static func binaryCrossentropy(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, fromLogits: Bool, labelSmoothing: Double,
    axis: Int, _ constants: Constants
  ) throws -> Unreduced {
    let operands = try Operands.matching(yTrue, yPred)
    let terms = zip(operands.yTrue, operands.yPred).map { y, p -> Double in
      let t = smoothBinary(y, labelSmoothing)
      if fromLogits {
        return t * ReferenceMath.softplus(-p) + (1 - t) * ReferenceMath.softplus(p)
      }
      return clippedBinaryCrossentropy(t, p, constants)
    }
    return Unreduced(try operands.lanes(axis: axis).reduce(terms) { ReferenceMath.sum($0) / Double($0.count) })
  }

  /// mean over `axis` of (1 − p_t)^γ · bce, times y·α + (1 − y)·(1 − α) with class balancing.
  ///
  /// From logits, p = σ(x) and the *clipped probability* crossentropy follows, so it saturates at
  /// −log(eps) as in Keras. p_t = y·p + (1 − y)·(1 − p) uses the unclipped p; 1 − p_t is evaluated as
  /// y·(1 − p) + (1 − y)·p, the same quantity without cancellation.
  static func binaryFocalCrossentropy(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, applyClassBalancing: Bool, alpha: Double,
    gamma: Double, fromLogits: Bool, labelSmoothing: Double, axis: Int, _ constants: Constants
  ) throws -> Unreduced {
    let operands = try Operands.matching(yTrue, yPred)
    let terms = zip(operands.yTrue, operands.yPred).map { y, x -> Double in
      let t = smoothBinary(y, labelSmoothing)
      let p = fromLogits ? ReferenceMath.sigmoid(x) : x
      let q = fromLogits ? ReferenceMath.sigmoid(-x) : 1 - x
      let bce = clippedBinaryCrossentropy(t, p, constants)
      let oneMinusPt = t * q + (1 - t) * p
      var focal = pow(oneMinusPt, gamma) * bce
      if applyClassBalancing {
        focal *= t * alpha + (1 - t) * (1 - alpha)
      }
      return focal
    }
    return Unreduced(try operands.lanes(axis: axis).reduce(terms) { ReferenceMath.sum($0) / Double($0.count) })
  }

  /// y·(1 − ls) + ½·ls, or y when ls is 0 (Keras skips the smoothing when it is falsy).
  private static func smoothBinary(_ y: Double, _ labelSmoothing: Double) -> Double {
    labelSmoothing == 0 ? y : y * (1 - labelSmoothing) + 0.5 * labelSmoothing
  }

  /// −(t·log p + (1 − t)·log(1 − p)) with p clipped to [eps, 1 − eps].
  private static func clippedBinaryCrossentropy(_ t: Double, _ p: Double, _ constants: Constants) -> Double {
    let pc = ReferenceMath.clip(p, constants.epsilon, constants.oneMinusEpsilon)
    return -(t * log(pc) + (1 - t) * log1p(-pc))
  }
}
