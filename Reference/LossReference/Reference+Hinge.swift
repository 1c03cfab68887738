import LossCore

// Hinge losses for classifiers with labels in {−1, 1} or {0, 1}.
extension Reference {
  /// mean over the last axis of max(1 − y'·p, 0), squared when `squared`.
  ///
  /// The label conversion is batch-global, as in Keras's `convert_binary_labels_to_hinge`: when
  /// every element of `y_true` is 0 or 1, y' = 2y − 1; otherwise y' = y unchanged.
  static func hinge(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, squared: Bool) throws -> Unreduced {
    let isBinary = yTrue.scalars.allSatisfy { $0 == 0 || $0 == 1 }
    let labels = isBinary ? yTrue.map { 2 * $0 - 1 } : yTrue
    return try meanOverLastAxis(labels, yPred) { y, p in
      let margin = ReferenceMath.maximum(1 - y * p, 0)
      return squared ? margin * margin : margin
    }
  }

  /// max(max((1 − y)·p) − Σ y·p + 1, 0) over the last axis. No label conversion.
  static func categoricalHinge(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>) throws -> Unreduced {
    let operands = try Operands.broadcasting(yTrue, yPred)
    let lanes = try operands.lanes(axis: -1)
    let positive = lanes.reduce(zip(operands.yTrue, operands.yPred).map(*)) { ReferenceMath.sum($0) }
    let negative = lanes.reduce(zip(operands.yTrue, operands.yPred).map { (1 - $0) * $1 }) {
      $0.dropFirst().reduce($0[0], ReferenceMath.maximum)
    }
    return Unreduced(
      try Tensor(
        shape: lanes.resultShape,
        scalars: zip(negative.scalars, positive.scalars).map { ReferenceMath.maximum($0 - $1 + 1, 0) }))
  }
}
