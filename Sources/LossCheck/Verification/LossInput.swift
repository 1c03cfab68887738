import LossCore
import LossReference

/// One input to a loss: the two tensors, optional sample weights and the reduction.
///
/// Every scalar is a Float, so the reference (in Double) sees exactly what the kernel sees.
public struct LossInput: Sendable, Hashable {
  /// The targets.
  public var yTrue: Tensor<Float>
  /// The predictions (probabilities, logits or values, as the loss reads them).
  public var yPred: Tensor<Float>
  /// Sample weights, or nil.
  public var sampleWeight: Tensor<Float>?
  /// The reduction.
  public var reduction: Reduction

  /// Creates an input.
  public init(
    yTrue: Tensor<Float>, yPred: Tensor<Float>, sampleWeight: Tensor<Float>? = nil,
    reduction: Reduction = .sumOverBatchSize
  ) {
    self.yTrue = yTrue
    self.yPred = yPred
    self.sampleWeight = sampleWeight
    self.reduction = reduction
  }

  /// The total number of scalars in the two tensors and the weights: the size of a counterexample.
  public var scalarCount: Int {
    yTrue.count + yPred.count + (sampleWeight?.count ?? 0)
  }

  /// The reference's value for this input, evaluated as float32 (Keras's float32 constants).
  public func referenceValue(of loss: Loss) throws -> Tensor<Double> {
    try Reference.evaluate(
      loss, yTrue: yTrue.map(Double.init), yPred: yPred.map(Double.init),
      sampleWeight: sampleWeight?.map(Double.init), reduction: reduction, as: .float32)
  }

  /// This input with another reduction.
  public func with(reduction: Reduction) -> LossInput {
    var copy = self
    copy.reduction = reduction
    return copy
  }
}

extension LossInput: CustomStringConvertible {
  /// Each argument on its own line, tensors with their shapes.
  public var description: String {
    var lines = ["y_true = \(yTrue)", "y_pred = \(yPred)"]
    if let sampleWeight { lines.append("sample_weight = \(sampleWeight)") }
    lines.append("reduction = \(reduction.rawValue)")
    return lines.joined(separator: "\n")
  }
}
