import LossCore

// Circle loss over a batch of embeddings.
extension Reference {
  /// softplus(LSE_P(s⁺) + LSE_N(s⁻)) per row, masked to the rows where it is > 0.
  ///
  /// With d_ij = max(1 − p_i·p_j, 0), P the pairs with equal labels (less the diagonal when
  /// `removeDiagonal`), N the pairs with different labels, and m the margin:
  /// s⁺ = −γ·max(m + d, 0)·(m − d) and s⁻ = γ·max(1 + m − d, 0)·(1 − m − d). A row without
  /// positives (or negatives) has LSE = −∞, a loss of 0, and is masked out.
  ///
  /// - Throws: `LossError.invalidShape` unless `y_pred` is (B, D) and `y_true` is (B,) (or (B, 1));
  ///   `LossError.invalidValue` for a non-integer label.
  static func circle(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, gamma: Double, margin: Double, removeDiagonal: Bool
  ) throws -> Unreduced {
    guard yPred.rank == 2 else {
      throw LossError.invalidShape(argument: "y_pred", shape: yPred.shape, reason: "circle needs embeddings of shape (batch, dimension)")
    }
    let (batch, dimension) = (yPred.shape[0], yPred.shape[1])
    guard yTrue.shape == [batch] || yTrue.shape == [batch, 1] else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: "circle needs one integer label per embedding, shape (batch,)")
    }
    for (index, value) in yTrue.scalars.enumerated() where !(value.isFinite && value.rounded() == value) {
      throw LossError.invalidValue(argument: "y_true", index: index, value: value, reason: "a circle label must be an integer")
    }
    let labels = yTrue.scalars
    let row = { (i: Int) in yPred.scalars[(i * dimension)..<((i + 1) * dimension)] }
    let losses = (0..<batch).map { i -> Double in
      var positives = [Double]()
      var negatives = [Double]()
      for j in 0..<batch {
        let dot = ReferenceMath.sum(zip(row(i), row(j)).map(*))
        let d = ReferenceMath.maximum(1 - dot, 0)
        if labels[i] == labels[j] {
          if removeDiagonal && i == j { continue }
          let weight = ReferenceMath.maximum(margin + d, 0)
          positives.append(-gamma * weight * (margin - d))
        } else {
          let weight = ReferenceMath.maximum(1 + margin - d, 0)
          negatives.append(gamma * weight * (1 - margin - d))
        }
      }
      return ReferenceMath.softplus(ReferenceMath.logSumExp(positives) + ReferenceMath.logSumExp(negatives))
    }
    return Unreduced(Tensor(losses), mask: losses.map { $0 > 0 })
  }
}
