#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Gradients of binary crossentropy and its focal variant: each element gets upstream / n times the
// derivative of its own term, n being the length of `axis`. Label smoothing only changes the
// target t = y·(1 − ls) + ½·ls, a constant.
extension Reference {
  /// From probabilities: ∂/∂p −(t·log p_c + (1 − t)·log(1 − p_c)) = −t/p_c + (1 − t)/(1 − p_c),
  /// times clip's derivative (0 outside [eps, 1 − eps], ½ exactly at a bound).
  /// From logits: ∂/∂x [−t·log σ(x) − (1 − t)·log σ(−x)] = −t·σ(−x) + (1 − t)·σ(x), written as JAX's
  /// log-sigmoid rule gives it, which stays exact for huge |x| (σ(x) − t would cancel).
  static func binaryCrossentropyGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], fromLogits: Bool,
    labelSmoothing: Double, axis: Int, _ constants: Constants
  ) throws -> [Double] {
    let operands = try GradientOperands.matching(yTrue, yPred)
    let (y, x) = (operands.operands.yTrue, operands.operands.yPred)
    return try operands.laneGradient(axes: [axis], upstream) { offsets, g, gradient in
      let scale = g / Double(offsets.count)
      for o in offsets {
        let t = smoothedBinaryTarget(y[o], labelSmoothing)
        let derivative =
          fromLogits
          ? -t * ReferenceMath.sigmoid(-x[o]) + (1 - t) * ReferenceMath.sigmoid(x[o])
          : clippedBinaryCrossentropyDerivative(t, x[o], constants)
        gradient[o] = scale * derivative
      }
    }
  }

  /// The derivative of f = w·(1 − p_t)^γ·bce(t, p), w the class-balancing weight
  /// t·α + (1 − t)·(1 − α) (or 1), with 1 − p_t = t·(1 − p) + (1 − t)·p:
  ///
  ///     ∂f/∂p = w·[γ·(1 − p_t)^(γ−1)·(1 − 2t)·bce + (1 − p_t)^γ·∂bce/∂p]
  ///
  /// where ∂bce/∂p is the clipped crossentropy's (zero where p is clipped) and the power's derivative
  /// is JAX's literal γ·uᵞ⁻¹ (NaN at u = 0 for γ = 0). From logits p = σ(x), times
  /// ∂p/∂x = σ(x)·σ(−x); the clip still applies to σ(x).
  static func binaryFocalCrossentropyGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], applyClassBalancing: Bool,
    alpha: Double, gamma: Double, fromLogits: Bool, labelSmoothing: Double, axis: Int, _ constants: Constants
  ) throws -> [Double] {
    let operands = try GradientOperands.matching(yTrue, yPred)
    let (y, x) = (operands.operands.yTrue, operands.operands.yPred)
    return try operands.laneGradient(axes: [axis], upstream) { offsets, g, gradient in
      let scale = g / Double(offsets.count)
      for o in offsets {
        let t = smoothedBinaryTarget(y[o], labelSmoothing)
        let p = fromLogits ? ReferenceMath.sigmoid(x[o]) : x[o]
        let q = fromLogits ? ReferenceMath.sigmoid(-x[o]) : 1 - x[o]
        let pc = ReferenceMath.clip(p, constants.epsilon, constants.oneMinusEpsilon)
        let bce = -(t * log(pc) + (1 - t) * log1p(-pc))
        let oneMinusPt = t * q + (1 - t) * p
        var derivative =
          JAXDerivative.power(oneMinusPt, gamma) * (1 - 2 * t) * bce
          + pow(oneMinusPt, gamma) * clippedBinaryCrossentropyDerivative(t, p, constants)
        if applyClassBalancing {
          derivative *= t * alpha + (1 - t) * (1 - alpha)
        }
        if fromLogits {
          derivative *= p * q
        }
        gradient[o] = scale * derivative
      }
    }
  }

  /// y·(1 − ls) + ½·ls, or y when ls is 0 (as the forward pass).
  static func smoothedBinaryTarget(_ y: Double, _ labelSmoothing: Double) -> Double {
    labelSmoothing == 0 ? y : y * (1 - labelSmoothing) + 0.5 * labelSmoothing
  }

  /// ∂/∂p −(t·log p_c + (1 − t)·log(1 − p_c)) with p_c = clip(p, eps, 1 − eps).
  static func clippedBinaryCrossentropyDerivative(_ t: Double, _ p: Double, _ constants: Constants) -> Double {
    let pc = ReferenceMath.clip(p, constants.epsilon, constants.oneMinusEpsilon)
    return (-t / pc + (1 - t) / (1 - pc)) * JAXDerivative.clip(p, constants.epsilon, constants.oneMinusEpsilon)
  }
}
