import LossCore

// Gradients of the hinge losses.
extension Reference {
  /// ∂/∂p max(1 − y'·p, 0) = −y'·H, and for the squared hinge 2·max(1 − y'·p, 0)·(−y')·H, where H
  /// is max's derivative: 1 while the margin 1 − y'·p is positive, ½ exactly at 0, 0 beyond.
  /// y' is the converted label (2y − 1 when all of y_true is 0 or 1), a constant.
  static func hingeGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], squared: Bool
  ) throws -> [Double] {
    let isBinary = yTrue.scalars.allSatisfy { $0 == 0 || $0 == 1 }
    let labels = isBinary ? yTrue.map { 2 * $0 - 1 } : yTrue
    return try GradientOperands.broadcasting(labels, yPred).meanOverLastAxisGradient(upstream) { y, p in
      let margin = 1 - y * p
      let slope = -y * JAXDerivative.maximum(margin, 0)
      return squared ? 2 * ReferenceMath.maximum(margin, 0) * slope : slope
    }
  }

  /// ∂/∂p of max(neg − pos + 1, 0), pos = Σ y·p and neg = max_j (1 − y_j)·p_j:
  /// H·((1 − y_j)·[j attains neg] / #ties − y_j), H being the outer max's derivative (½ at 0).
  /// JAX's `max` over an axis shares its gradient equally among the entries equal to the maximum.
  static func categoricalHingeGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double]
  ) throws -> [Double] {
    let operands = try GradientOperands.broadcasting(yTrue, yPred)
    let (y, p) = (operands.operands.yTrue, operands.operands.yPred)
    return try operands.laneGradient(axes: [-1], upstream) { offsets, g, gradient in
      let positive = ReferenceMath.sum(offsets.map { y[$0] * p[$0] })
      let negatives = offsets.map { (1 - y[$0]) * p[$0] }
      let negative = negatives.dropFirst().reduce(negatives[0], ReferenceMath.maximum)
      let ties = Double(negatives.count { $0 == negative })
      let outer = g * JAXDerivative.maximum(negative - positive + 1, 0)
      for (j, o) in offsets.enumerated() {
        let share = negatives[j] == negative ? (1 - y[o]) / ties : 0
        gradient[o] = outer * (share - y[o])
      }
    }
  }
}
