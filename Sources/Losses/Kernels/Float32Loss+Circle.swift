import LossCore

// PENDING: replaced by the real kernels.
extension Float32Loss {
  static func circle(_ yTrue: Operand, _ yPred: Operand, gamma: Float, margin: Float, removeDiagonal: Bool, needsValues: Bool) throws -> PerSampleLosses {
    throw LossError.invalidOption(name: "loss", value: "circle", expected: "a loss with a Float32 kernel (in progress)")
  }
}
