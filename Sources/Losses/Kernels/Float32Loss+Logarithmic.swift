import LossCore

// PENDING: replaced by the real kernels.
extension Float32Loss {
  static func meanSquaredLogarithmicError(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "meanSquaredLogarithmicError", expected: "a loss with a Float32 kernel (in progress)")
  }
  static func logCosh(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "logCosh", expected: "a loss with a Float32 kernel (in progress)")
  }
  static func poisson(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "poisson", expected: "a loss with a Float32 kernel (in progress)")
  }
  static func klDivergence(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "klDivergence", expected: "a loss with a Float32 kernel (in progress)")
  }
}
