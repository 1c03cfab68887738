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
  /// p·pᵀ of the (B, D) rows, in Double: row i against four rows at a time (four independent
  /// accumulator chains, row i read once per four), the upper triangle mirrored.
  static func gram(_ p: UnsafePointer<Float>, batch: Int, dimension: Int) -> [Double] {
    var gram = Array(repeating: 0.0, count: batch * batch)
    for i in 0..<batch {
      let row = p + i * dimension
      var j = i
      while j + 4 <= batch {
        let d = dots(row, p + j * dimension, dimension: dimension)
        for k in 0..<4 {
          gram[i * batch + j + k] = d[k]
          gram[(j + k) * batch + i] = d[k]
        }
        j += 4
      }
      while j < batch {
        let d = dot(row, p + j * dimension, count: dimension)
        gram[i * batch + j] = d
        gram[j * batch + i] = d
        j += 1
      }
    }
    return gram
  }

  /// The four dot products of `a` with the rows `b`, `b + D`, `b + 2D`, `b + 3D`: the Float
  /// products are exact in Double and summed in SIMD4<Double>, four elements per step.
  @inline(never)
  static func dots(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dimension: Int) -> SIMD4<Double> {
    var (s0, s1, s2, s3) = (SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>())
    var k = 0
    while k + 4 <= dimension {
      let x = wide4(a, k)
      s0 += x * wide4(b, k)
      s1 += x * wide4(b, dimension + k)
      s2 += x * wide4(b, 2 * dimension + k)
      s3 += x * wide4(b, 3 * dimension + k)
      k += 4
    }
    var result = SIMD4<Double>(s0.sum(), s1.sum(), s2.sum(), s3.sum())
    while k < dimension {
      let x = Double(a[k])
      result += x * SIMD4(Double(b[k]), Double(b[dimension + k]), Double(b[2 * dimension + k]), Double(b[3 * dimension + k]))
      k += 1
    }
    return result
  }

  /// Four Floats from `pointer + offset`, widened to Double (exact).
  @inline(__always)
  static func wide4(_ pointer: UnsafePointer<Float>, _ offset: Int) -> SIMD4<Double> {
    let v = UnsafeRawPointer(pointer + offset).loadUnaligned(as: SIMD4<Float>.self)
    return SIMD4(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]))
  }

  /// Σ a[k]·b[k] with the products exact in Double, summed in four Double lanes.
  @inline(never)
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
    var s = SIMD4<Double>()
    var k = 0
    while k + 4 <= count {
      s += wide4(a, k) * wide4(b, k)
      k += 4
    }
    var total = s.sum()
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
