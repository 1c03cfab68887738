#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Circle loss over a batch of embeddings.
extension Float32Loss {
  /// softplus(LSE_P(s⁺) + LSE_N(s⁻)) per row of the (B, D) embeddings, masked to the rows where it
  /// is > 0 (rows without positives or negatives give 0 and are masked out).
  ///
  /// d_ij = max(1 − p_i·p_j, 0); P: equal labels (less the diagonal when `removeDiagonal`), N:
  /// different labels; s⁺ = −γ·max(m + d, 0)·(m − d), s⁻ = γ·max(1 + m − d, 0)·(1 − m − d).
  ///
  /// The Gram matrix is computed once (upper triangle, mirrored) with SIMD dot products whose
  /// Float products are exact in Double and summed in SIMD4<Double>: each p_i·p_j is within
  /// D·2⁻⁵³·Σ|p_i·p_j| of exact. The scores, log-sum-exps (maximum first) and softplus are Double
  /// with libm. The loss is γ-scaled, so an error ε in a dot product moves it by up to about 2γ·ε:
  /// with the Double Gram that is ≪ 1 ULP. Bound: ≤ ½ ULP + a few 2⁻⁵⁰ relative before the final
  /// rounding (measured: see `LogarithmicKernelTests`). Always returns the per-row values and mask
  /// (the mask's weights, and NaN in a masked row, need them); the O(B) buffer is small beside the
  /// O(B²·D) work.
  ///
  /// - Throws: as the reference: `invalidShape` unless `y_pred` is (B, D); `incompatibleShapes`
  ///   unless `y_true` is (B,) or (B, 1); `invalidValue` naming `y_true` for a non-integer label.
  static func circle(
    _ yTrue: Operand, _ yPred: Operand, gamma: Float, margin: Float, removeDiagonal: Bool, needsValues: Bool
  ) throws -> PerSampleLosses {
    guard yPred.shape.count == 2 else {
      throw LossError.invalidShape(argument: "y_pred", shape: yPred.shape, reason: "circle needs embeddings of shape (batch, dimension)")
    }
    let (batch, dimension) = (yPred.shape[0], yPred.shape[1])
    guard yTrue.shape == [batch] || yTrue.shape == [batch, 1] else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: "circle needs one integer label per embedding, shape (batch,)")
    }
    for (index, label) in yTrue.scalars.enumerated() where !(label.isFinite && label.rounded() == label) {
      throw LossError.invalidValue(argument: "y_true", index: index, value: Double(label), reason: "a circle label must be an integer")
    }
    let gram = CircleGram.gram(yPred.base, batch: batch, dimension: dimension)
    let (gamma, margin) = (Double(gamma), Double(margin))
    let labels = yTrue.scalars
    var values = [Double]()
    values.reserveCapacity(batch)
    var scores = Array(repeating: 0.0, count: batch)
    var positive = Array(repeating: false, count: batch)
    for i in 0..<batch {
      var (topP, topN) = (-Double.infinity, -Double.infinity)
      var (countP, countN) = (0, 0)
      var nan = false
      for j in 0..<batch {
        let d = CircleGram.maximum(1 - gram[i * batch + j], 0)
        let score: Double
        if labels[i] == labels[j] {
          positive[j] = true
          if removeDiagonal && i == j {
            scores[j] = -.infinity
            continue
          }
          score = -gamma * CircleGram.maximum(margin + d, 0) * (margin - d)
          topP = Swift.max(topP, score)
          countP += 1
        } else {
          positive[j] = false
          score = gamma * CircleGram.maximum(1 + margin - d, 0) * (1 - margin - d)
          topN = Swift.max(topN, score)
          countN += 1
        }
        if score.isNaN { nan = true }
        scores[j] = score
      }
      if nan {
        values.append(.nan)
        continue
      }
      let lseP = CircleGram.logSumExp(scores, positive, true, top: topP, count: countP, skipDiagonal: removeDiagonal ? i : -1)
      let lseN = CircleGram.logSumExp(scores, positive, false, top: topN, count: countN, skipDiagonal: -1)
      values.append(CircleGram.softplus(lseP + lseN))
    }
    return .values(values, shape: [batch], mask: values.map { $0 > 0 })
  }
}

/// The Gram matrix and scalar helpers of the circle loss.
enum CircleGram {
  /// p·pᵀ of the (B, D) rows, in Double.
  static func gram(_ p: UnsafePointer<Float>, batch: Int, dimension: Int) -> [Double] {
    var gram = Array(repeating: 0.0, count: batch * batch)
    for i in 0..<batch {
      for j in i..<batch {
        let dot = self.dot(p + i * dimension, p + j * dimension, count: dimension)
        gram[i * batch + j] = dot
        gram[j * batch + i] = dot
      }
    }
    return gram
  }

  /// Σ a[k]·b[k] with the products exact in Double and summed in four Double lanes.
  @inline(never)
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
    var (s0, s1) = (SIMD4<Double>(), SIMD4<Double>())
    var k = 0
    while k + 8 <= count {
      let (a0, a1) = WideLog.widen(LaneSum.load(a, k))
      let (b0, b1) = WideLog.widen(LaneSum.load(b, k))
      s0 += a0 * b0
      s1 += a1 * b1
      k += 8
    }
    var total = (s0 + s1).sum()
    while k < count {
      total += Double(a[k]) * Double(b[k])
      k += 1
    }
    return total
  }

  /// The larger of two Doubles, NaN when either is NaN.
  @inline(__always)
  static func maximum(_ a: Double, _ b: Double) -> Double {
    a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
  }

  /// log Σ exp over the scores of one side (`positive[j] == side`), the maximum `top` known; −∞ for
  /// no term or all −∞, +∞ when the maximum is +∞.
  static func logSumExp(
    _ scores: [Double], _ positive: [Bool], _ side: Bool, top: Double, count: Int, skipDiagonal: Int
  ) -> Double {
    guard count > 0, top > -.infinity else { return -.infinity }
    guard top < .infinity else { return top }
    var sum = 0.0
    for j in scores.indices where positive[j] == side && j != skipDiagonal {
      sum += exp(scores[j] - top)
    }
    return top + log(sum)
  }

  /// log(1 + eˣ) without overflow; NaN stays NaN.
  static func softplus(_ x: Double) -> Double {
    if x.isNaN || x == .infinity { return x }
    return Swift.max(x, 0) + log1p(exp(-Swift.abs(x)))
  }
}
