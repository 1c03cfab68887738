import LossCore

// PENDING: replaced by the real kernels.
extension Float32Loss {
  static func binaryCrossentropy(_ yTrue: Operand, _ yPred: Operand, fromLogits: Bool, labelSmoothing: Float, axis: Int, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "binaryCrossentropy", expected: "a loss with a Float32 kernel (in progress)")
  }
  static func binaryFocalCrossentropy(_ yTrue: Operand, _ yPred: Operand, applyClassBalancing: Bool, alpha: Float, gamma: Float, fromLogits: Bool, labelSmoothing: Float, axis: Int, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "binaryFocalCrossentropy", expected: "a loss with a Float32 kernel (in progress)")
  }
}
