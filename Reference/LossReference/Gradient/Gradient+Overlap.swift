import LossCore

// Gradients of dice and tversky: the quotient rule over each lane (all axes when `axis` is nil).
extension Reference {
  /// l = 1 − 2I/D with I = Σ y·p and D = Σy + Σp + eps: ∂l/∂p_k = −(2y_k·D − 2I) / D², since
  /// ∂I/∂p_k = y_k and ∂D/∂p_k = 1.
  static func diceGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], axis: [Int]?, _ constants: Constants
  ) throws -> [Double] {
    let operands = try GradientOperands.matching(yTrue, yPred)
    let (y, p) = (operands.operands.yTrue, operands.operands.yPred)
    return try operands.laneGradient(axes: axis, upstream) { offsets, g, gradient in
      let intersection = ReferenceMath.sum(offsets.map { y[$0] * p[$0] })
      let denominator =
        ReferenceMath.sum(offsets.map { y[$0] }) + ReferenceMath.sum(offsets.map { p[$0] }) + constants.epsilon
      for o in offsets {
        gradient[o] = g * -(2 * y[o] / denominator - 2 * intersection / (denominator * denominator))
      }
    }
  }

  /// l = 1 − TP/D with D = TP + α·FP + β·FN + eps, TP = Σ y·p, FP = Σ (1 − y)·p, FN = Σ y·(1 − p):
  /// ∂l/∂p_k = −(y_k·D − TP·∂D/∂p_k) / D², where ∂D/∂p_k = y_k + α·(1 − y_k) − β·y_k.
  static func tverskyGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], alpha: Double, beta: Double,
    axis: [Int]?, _ constants: Constants
  ) throws -> [Double] {
    let operands = try GradientOperands.matching(yTrue, yPred)
    let (y, p) = (operands.operands.yTrue, operands.operands.yPred)
    return try operands.laneGradient(axes: axis, upstream) { offsets, g, gradient in
      let truePositives = ReferenceMath.sum(offsets.map { y[$0] * p[$0] })
      let falsePositives = ReferenceMath.sum(offsets.map { (1 - y[$0]) * p[$0] })
      let falseNegatives = ReferenceMath.sum(offsets.map { y[$0] * (1 - p[$0]) })
      let denominator = truePositives + alpha * falsePositives + beta * falseNegatives + constants.epsilon
      for o in offsets {
        let denominatorSlope = y[o] + alpha * (1 - y[o]) - beta * y[o]
        gradient[o] = g * -(y[o] / denominator - truePositives * denominatorSlope / (denominator * denominator))
      }
    }
  }
}
