#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

/// Gradient kernels of the losses over whole sequences or batches: CTC and circle, in Double.
/// Bound: ≤ 1 ULP of each element (Double arithmetic, one rounding), plus for CTC the Double error
/// of softmax − posterior where they cancel (2⁻⁵²·T·S relative to the terms).
enum SequenceGradient {
  /// log(eᵃ + eᵇ) without overflow; −∞ when both are −∞.
  @inline(__always)
  static func logAddExp(_ a: Double, _ b: Double) -> Double {
    let m = Swift.max(a, b)
    if m == -.infinity { return m }
    return m + log1p(exp(-Swift.abs(a - b)))
  }

  /// CTC: for each sample, upstream·(softmax(x_t)_k − γ_t(k)), γ the posterior of emitting k at
  /// step t over all alignments of the blank-extended labels, from the forward (α) and backward
  /// (β) variables in log space.
  static func ctc(_ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>) {
    let (batch, maxLabels) = (yTrue.shape[0], yTrue.shape[1])
    let (steps, classes) = (yPred.shape[1], yPred.shape[2])
    guard steps > 0, classes > 0 else { return }
    var logProbabilities = [Double](repeating: 0, count: steps * classes)
    for b in 0..<batch {
      var extended = [0]
      for j in 0..<maxLabels {
        let label = yTrue.scalars[b * maxLabels + j]
        if label == 0 { break }
        extended += [Int(label), 0]
      }
      let base = b * steps * classes
      for t in 0..<steps {
        var m = -Double.infinity
        for k in 0..<classes { m = Swift.max(m, Double(yPred.scalars[base + t * classes + k])) }
        var total = 0.0
        for k in 0..<classes { total += exp(Double(yPred.scalars[base + t * classes + k]) - m) }
        let lse = m + log(total)
        for k in 0..<classes { logProbabilities[t * classes + k] = Double(yPred.scalars[base + t * classes + k]) - lse }
      }
      let states = extended.count
      let skip = (0..<states).map { s in s >= 2 && extended[s] != 0 && extended[s] != extended[s - 2] }
      let emit = { (t: Int, s: Int) in logProbabilities[t * classes + extended[s]] }
      var alpha = [Double](repeating: -.infinity, count: steps * states)
      var beta = [Double](repeating: -.infinity, count: steps * states)
      alpha[0] = emit(0, 0)
      if states > 1 { alpha[1] = emit(0, 1) }
      for t in 1..<Swift.max(steps, 1) {
        for s in 0..<states {
          var a = alpha[(t - 1) * states + s]
          if s >= 1 { a = logAddExp(a, alpha[(t - 1) * states + s - 1]) }
          if skip[s] { a = logAddExp(a, alpha[(t - 1) * states + s - 2]) }
          alpha[t * states + s] = a + emit(t, s)
        }
      }
      beta[(steps - 1) * states + states - 1] = 0
      if states > 1 { beta[(steps - 1) * states + states - 2] = 0 }
      var t = steps - 2
      while t >= 0 {
        for s in 0..<states {
          var a = beta[(t + 1) * states + s] + emit(t + 1, s)
          if s + 1 < states { a = logAddExp(a, beta[(t + 1) * states + s + 1] + emit(t + 1, s + 1)) }
          if s + 2 < states, skip[s + 2] { a = logAddExp(a, beta[(t + 1) * states + s + 2] + emit(t + 1, s + 2)) }
          beta[t * states + s] = a
        }
        t -= 1
      }
      let last = (steps - 1) * states
      let logLikelihood = states > 1 ? logAddExp(alpha[last + states - 1], alpha[last + states - 2]) : alpha[last]
      let g = upstream[b]
      var posterior = [Double](repeating: 0, count: classes)
      for t in 0..<steps {
        for k in 0..<classes { posterior[k] = 0 }
        for s in 0..<states {
          posterior[extended[s]] += exp(alpha[t * states + s] + beta[t * states + s] - logLikelihood)
        }
        for k in 0..<classes {
          out[base + t * classes + k] = Float(g * (exp(logProbabilities[t * classes + k]) - posterior[k]))
        }
      }
    }
  }

  /// Circle loss: for row i with upstream gᵢ (0 for rows the mask drops), σ(Pᵢ + Nᵢ) spread by each
  /// log-sum-exp's softmax weights, through s⁺ = −γ·w⁺·(m − d) and s⁻ = γ·w⁻·(1 − m − d)
  /// (w⁺ = max(m + d, 0), w⁻ = max(1 + m − d, 0), max's slope ½ at ties), d = max(1 − pᵢ·pⱼ, 0),
  /// to both embeddings of each pair.
  static func circle(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, gamma: Double, margin: Double,
    removeDiagonal: Bool, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    let (batch, dimension) = (yPred.shape[0], yPred.shape[1])
    let p = yPred.scalars
    var dots = [Double](repeating: 0, count: batch * batch)
    for i in 0..<batch {
      for j in i..<batch {
        var dot = 0.0
        for c in 0..<dimension { dot += Double(p[i * dimension + c]) * Double(p[j * dimension + c]) }
        dots[i * batch + j] = dot
        dots[j * batch + i] = dot
      }
    }
    var pairGradient = [Double](repeating: 0, count: batch * batch)
    var terms: [(j: Int, s: Double, slope: Double, positive: Bool)] = []
    for i in 0..<batch {
      let g = upstream[i]
      terms.removeAll(keepingCapacity: true)
      var positiveMax = -Double.infinity
      var negativeMax = -Double.infinity
      for j in 0..<batch {
        let d = ScalarGradient.maximum(1 - dots[i * batch + j], 0)
        if yTrue.scalars[i] == yTrue.scalars[j] {
          if removeDiagonal && i == j { continue }
          let w = ScalarGradient.maximum(margin + d, 0)
          let wSlope = ScalarGradient.maximumSlope(margin + d, 0)
          let s = -gamma * w * (margin - d)
          terms.append((j, s, -gamma * (wSlope * (margin - d) - w), true))
          positiveMax = Swift.max(positiveMax, s)
        } else {
          let w = ScalarGradient.maximum(1 + margin - d, 0)
          let wSlope = -ScalarGradient.maximumSlope(1 + margin - d, 0)
          let s = gamma * w * (1 - margin - d)
          terms.append((j, s, gamma * (wSlope * (1 - margin - d) - w), false))
          negativeMax = Swift.max(negativeMax, s)
        }
      }
      guard positiveMax > -.infinity, negativeMax > -.infinity, g != 0 else { continue }
      var positiveSum = 0.0
      var negativeSum = 0.0
      for term in terms {
        if term.positive { positiveSum += exp(term.s - positiveMax) } else { negativeSum += exp(term.s - negativeMax) }
      }
      let positiveLSE = positiveMax + log(positiveSum)
      let negativeLSE = negativeMax + log(negativeSum)
      let outer = g * ScalarGradient.sigmoid(positiveLSE + negativeLSE)
      for term in terms {
        let weight = exp(term.s - (term.positive ? positiveLSE : negativeLSE))
        pairGradient[i * batch + term.j] += outer * weight * term.slope
      }
    }
    var gradient = [Double](repeating: 0, count: batch * dimension)
    for i in 0..<batch {
      for j in 0..<batch where pairGradient[i * batch + j] != 0 {
        let scale = -pairGradient[i * batch + j] * ScalarGradient.maximumSlope(1 - dots[i * batch + j], 0)
        for c in 0..<dimension {
          gradient[i * dimension + c] += scale * Double(p[j * dimension + c])
          gradient[j * dimension + c] += scale * Double(p[i * dimension + c])
        }
      }
    }
    for k in out.indices { out[k] = Float(gradient[k]) }
  }
}
