import LossCore

// PENDING: replaced by the real kernels.
extension Float32Loss {
  static func categoricalCrossentropy(_ yTrue: Operand, _ yPred: Operand, fromLogits: Bool, labelSmoothing: Float, axis: Int, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "categoricalCrossentropy", expected: "a loss with a Float32 kernel (in progress)")
  }
  static func categoricalFocalCrossentropy(_ yTrue: Operand, _ yPred: Operand, alpha: [Float], gamma: Float, fromLogits: Bool, labelSmoothing: Float, axis: Int, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "categoricalFocalCrossentropy", expected: "a loss with a Float32 kernel (in progress)")
  }
}
