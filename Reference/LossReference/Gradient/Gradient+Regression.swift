#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Gradients of the losses that average an elementwise error over the last axis. Each element of
// y_pred gets upstream / n times the derivative of its own term, n being the length of the last
// axis; y_pred broadcast against y_true collects the sum over its copies.
extension Reference {
  /// ∂/∂p (y − p)² = 2(p − y).
  static func meanSquaredErrorGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double]
  ) throws -> [Double] {
    try GradientOperands.broadcasting(yTrue, yPred).meanOverLastAxisGradient(upstream) { y, p in 2 * (p - y) }
  }

  /// ∂/∂p |y − p| = −sign(y − p): 0 where p = y (JAX's derivative of |x| at 0).
  static func meanAbsoluteErrorGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double]
  ) throws -> [Double] {
    try GradientOperands.broadcasting(yTrue, yPred).meanOverLastAxisGradient(upstream) { y, p in
      -JAXDerivative.sign(y - p)
    }
  }

  /// ∂/∂p 100·|(y − p) / m| = −100·sign(y − p) / m with m = max(|y|, eps), a constant in p.
  /// The factor 100 comes after the mean in Keras, so it multiplies the upstream factor.
  static func meanAbsolutePercentageErrorGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], _ constants: Constants
  ) throws -> [Double] {
    try GradientOperands.broadcasting(yTrue, yPred).meanOverLastAxisGradient(upstream.map { 100 * $0 }) { y, p in
      let m = ReferenceMath.maximum(abs(y), constants.epsilon)
      return -JAXDerivative.sign((y - p) / m) / m
    }
  }

  /// ∂/∂p (a − b)² with a = log(max(p, eps) + 1): 2(a − b) / (max(p, eps) + 1) times max's
  /// derivative (0 below the float32 eps, ½ exactly at it).
  static func meanSquaredLogarithmicErrorGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double]
  ) throws -> [Double] {
    let epsilon = Constants.float32Epsilon
    return try GradientOperands.broadcasting(yTrue, yPred).meanOverLastAxisGradient(upstream) { y, p in
      let pm = ReferenceMath.maximum(p, epsilon)
      let d = log1p(pm) - log1p(ReferenceMath.maximum(y, epsilon))
      return 2 * d / (pm + 1) * JAXDerivative.maximum(p, epsilon)
    }
  }

  /// ∂/∂p of Huber with e = p − y: e where |e| ≤ δ (the `where` picks the quadratic branch at
  /// |e| = δ), δ·sign(e) beyond.
  static func huberGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], delta: Double
  ) throws -> [Double] {
    try GradientOperands.broadcasting(yTrue, yPred).meanOverLastAxisGradient(upstream) { y, p in
      let e = p - y
      if e.isNaN { return e }
      return abs(e) <= delta ? e : delta * JAXDerivative.sign(e)
    }
  }

  /// ∂/∂p [x + softplus(−2x) − log 2] with x = p − y: 1 − 2σ(−2x) = tanh x, evaluated as tanh.
  static func logCoshGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double]
  ) throws -> [Double] {
    try GradientOperands.broadcasting(yTrue, yPred).meanOverLastAxisGradient(upstream) { y, p in tanh(p - y) }
  }

  /// ∂/∂p [p − y·log(p + eps)] = 1 − y / (p + eps).
  static func poissonGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], _ constants: Constants
  ) throws -> [Double] {
    try GradientOperands.broadcasting(yTrue, yPred).meanOverLastAxisGradient(upstream) { y, p in
      1 - y / (p + constants.epsilon)
    }
  }
}
