import LossCore

// PENDING: replaced by the real kernels.
extension Float32Loss {
  static func sparseCategoricalCrossentropy(_ yTrue: Operand, _ yPred: Operand, fromLogits: Bool, ignoreClass: Int?, axis: Int, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "sparseCategoricalCrossentropy", expected: "a loss with a Float32 kernel (in progress)")
  }
  static func categoricalGeneralizedCrossEntropy(_ yTrue: Operand, _ yPred: Operand, q: Float, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "categoricalGeneralizedCrossEntropy", expected: "a loss with a Float32 kernel (in progress)")
  }
}
