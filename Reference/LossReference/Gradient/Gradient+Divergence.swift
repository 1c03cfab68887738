#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Gradients of KL divergence and cosine similarity.
extension Reference {
  /// ∂/∂p Σ y_c·log(y_c / p_c) = −y_c / p_c times clip's derivative, with y_c and p_c clipped to
  /// [eps, 1]: no gradient where p was clipped, half of it exactly at p = eps or p = 1.
  static func klDivergenceGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], _ constants: Constants
  ) throws -> [Double] {
    let operands = try GradientOperands.broadcasting(yTrue, yPred)
    let (y, p) = (operands.operands.yTrue, operands.operands.yPred)
    return try operands.laneGradient(axes: [-1], upstream) { offsets, g, gradient in
      for o in offsets {
        let yc = ReferenceMath.clip(y[o], constants.epsilon, 1)
        let pc = ReferenceMath.clip(p[o], constants.epsilon, 1)
        gradient[o] = g * (-yc / pc) * JAXDerivative.clip(p[o], constants.epsilon, 1)
      }
    }
  }

  /// The gradient of l = −Σ ŷ_j·p_j·r over each lane, r = min(rsqrt(Σp²), 1/eps) as Keras 3.15.1
  /// writes the normalisation (ŷ is y normalised the same way, a constant).
  ///
  /// With S = Σp² and c = Σ ŷ_j·p_j: ∂l/∂p_k = −r·ŷ_k − c·∂r/∂p_k, where
  /// ∂r/∂p_k = −p_k·S^(−3/2) while ‖p‖ > eps, half that at ‖p‖ = eps, and 0 below the floor (min
  /// picks the constant 1/eps). A zero p vector gives NaN: min's zero derivative times rsqrt's
  /// infinite derivative at 0 is NaN in JAX (the bug Keras HEAD fixed by flooring S instead).
  static func cosineSimilarityGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], axis: Int, _ constants: Constants
  ) throws -> [Double] {
    let operands = try GradientOperands.matching(yTrue, yPred)
    let (y, p) = (operands.operands.yTrue, operands.operands.yPred)
    return try operands.laneGradient(axes: [axis], upstream) { offsets, g, gradient in
      let yLane = offsets.map { y[$0] }
      let pLane = offsets.map { p[$0] }
      let yNormalised = yLane.map { $0 / ReferenceMath.maximum(scaledNorm(yLane), constants.epsilon) }
      let pNorm = scaledNorm(pLane)
      let r = 1 / ReferenceMath.maximum(pNorm, constants.epsilon)
      let c = ReferenceMath.sum(zip(yNormalised, pLane).map(*))
      // min(rsqrt(S), 1/eps) has derivative 1 w.r.t. rsqrt(S) when rsqrt(S) < 1/eps, i.e. ‖p‖ > eps.
      let floorFactor = JAXDerivative.maximum(pNorm, constants.epsilon)
      // ∂r/∂p_k = rsqrtFactor·p_k, with S^(−3/2) = 1/‖p‖³; at p = 0 this is 0·(−∞) = NaN.
      let rsqrtFactor = floorFactor * -(1 / (pNorm * pNorm * pNorm))
      for (j, o) in offsets.enumerated() {
        gradient[o] = g * (-r * yNormalised[j] - c * rsqrtFactor * pLane[j])
      }
    }
  }

  /// The Euclidean norm, scaled by the largest magnitude so the squares neither overflow nor
  /// underflow.
  static func scaledNorm(_ x: [Double]) -> Double {
    let scale = x.reduce(0) { ReferenceMath.maximum($0, abs($1)) }
    guard scale.isFinite, scale > 0 else { return scale }
    return scale * sqrt(ReferenceMath.sum(x.map { ($0 / scale) * ($0 / scale) }))
  }
}
