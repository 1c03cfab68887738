#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// The gradient of circle loss: y_pred is on both sides of the Gram matrix p·pᵀ.
extension Reference {
  /// The gradient of Σᵢ gᵢ·softplus(Pᵢ + Nᵢ), Pᵢ = LSE over positives j of s⁺_ij and Nᵢ = LSE over
  /// negatives of s⁻_ij, back to the embeddings.
  ///
  /// Step by step, for a row i with upstream gᵢ (0 for the rows the mask l > 0 drops):
  /// 1. ∂/∂(Pᵢ + Nᵢ) = σ(Pᵢ + Nᵢ); each LSE spreads it with its softmax weights e^(s_ij − LSE).
  ///    A row without positives or negatives has loss 0 and sends nothing back.
  /// 2. With d = max(1 − p_i·p_j, 0), the product rule on s⁺ = −γ·w⁺·(m − d) and
  ///    s⁻ = γ·w⁻·(1 − m − d) gives ∂s⁺/∂d = −γ·(∂w⁺/∂d·(m − d) − w⁺) and
  ///    ∂s⁻/∂d = γ·(∂w⁻/∂d·(1 − m − d) − w⁻), where w⁺ = max(m + d, 0) has ∂w⁺/∂d = H(m + d) and
  ///    w⁻ = max(1 + m − d, 0) has ∂w⁻/∂d = −H(1 + m − d), H being max's derivative (½ at a tie).
  /// 3. ∂d_ij/∂p_i = −H_ij·p_j and ∂d_ij/∂p_j = −H_ij·p_i (H the derivative of the max at 0): both
  ///    embeddings of a pair receive a share, and for i = j (kept when `removeDiagonal` is false)
  ///    the two shares add up to ∂/∂p_i of p_i·p_i = 2p_i.
  static func circleGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], gamma: Double, margin: Double,
    removeDiagonal: Bool
  ) throws -> [Double] {
    // The forward pass has validated the shapes and labels.
    let (batch, dimension) = (yPred.shape[0], yPred.shape[1])
    let labels = yTrue.scalars
    let row = { (i: Int) in Array(yPred.scalars[(i * dimension)..<((i + 1) * dimension)]) }
    let dots = (0..<batch).map { i in (0..<batch).map { j in ReferenceMath.sum(zip(row(i), row(j)).map(*)) } }
    // ∂L/∂d_ij, accumulated over the rows.
    var distanceGradient = Array(repeating: Array(repeating: 0.0, count: batch), count: batch)
    for i in 0..<batch {
      var positives: [(j: Int, s: Double, slope: Double)] = []
      var negatives: [(j: Int, s: Double, slope: Double)] = []
      for j in 0..<batch {
        let d = ReferenceMath.maximum(1 - dots[i][j], 0)
        if labels[i] == labels[j] {
          if removeDiagonal && i == j { continue }
          let weight = ReferenceMath.maximum(margin + d, 0)
          let weightSlope = JAXDerivative.maximum(margin + d, 0)
          // s⁺ = −γ·w⁺·(m − d): ∂s⁺/∂d = −γ·(∂w⁺/∂d·(m − d) − w⁺).
          positives.append((j, -gamma * weight * (margin - d), -gamma * (weightSlope * (margin - d) - weight)))
        } else {
          let weight = ReferenceMath.maximum(1 + margin - d, 0)
          let weightSlope = -JAXDerivative.maximum(1 + margin - d, 0)
          // s⁻ = γ·w⁻·(1 − m − d): ∂s⁻/∂d = γ·(∂w⁻/∂d·(1 − m − d) − w⁻).
          negatives.append((j, gamma * weight * (1 - margin - d), gamma * (weightSlope * (1 - margin - d) - weight)))
        }
      }
      guard !positives.isEmpty, !negatives.isEmpty else { continue }
      let positiveLSE = ReferenceMath.logSumExp(positives.map(\.s))
      let negativeLSE = ReferenceMath.logSumExp(negatives.map(\.s))
      let outer = upstream[i] * ReferenceMath.sigmoid(positiveLSE + negativeLSE)
      for (j, s, slope) in positives {
        distanceGradient[i][j] += outer * exp(s - positiveLSE) * slope
      }
      for (j, s, slope) in negatives {
        distanceGradient[i][j] += outer * exp(s - negativeLSE) * slope
      }
    }
    var gradient = Array(repeating: 0.0, count: yPred.count)
    for i in 0..<batch {
      for j in 0..<batch where distanceGradient[i][j] != 0 {
        // d_ij = max(1 − p_i·p_j, 0): ∂d/∂(p_i·p_j) = −H.
        let pairGradient = -distanceGradient[i][j] * JAXDerivative.maximum(1 - dots[i][j], 0)
        for c in 0..<dimension {
          gradient[i * dimension + c] += pairGradient * yPred.scalars[j * dimension + c]
          gradient[j * dimension + c] += pairGradient * yPred.scalars[i * dimension + c]
        }
      }
    }
    return gradient
  }
}
