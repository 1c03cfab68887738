#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// The gradient of CTC's negative log-likelihood: forward–backward.
extension Reference {
  /// ∂(−log P(labels | x)) / ∂x_{t,k} = softmax(x_t)_k − γ_t(k) for each sample, where γ_t(k) is the
  /// posterior probability that the alignment emits class k at step t.
  ///
  /// Over the blank-extended label sequence z (blank, l₁, blank, l₂, …, blank), the forward variable
  /// α_t(s) is the log-probability of the prefixes that end in state s at step t (emission at t
  /// included) and the backward variable β_t(s) that of the suffixes after step t given state s at
  /// t. Then γ_t(k) = Σ_{s: z_s = k} exp(α_t(s) + β_t(s) − log P). The −log P of the log-softmax
  /// gives the softmax term, since Σ_k γ_t(k) = 1. JAX's log 0 = −1e5 changes nothing for the
  /// feasible sequences the reference accepts.
  static func ctcGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double]
  ) throws -> [Double] {
    // The forward pass has validated the shapes and labels.
    let (batch, maxLabels) = (yTrue.shape[0], yTrue.shape[1])
    let (steps, classes) = (yPred.shape[1], yPred.shape[2])
    var gradient = Array(repeating: 0.0, count: yPred.count)
    for b in 0..<batch {
      let labels = yTrue.scalars[(b * maxLabels)..<((b + 1) * maxLabels)].prefix { $0 != 0 }.map { Int($0) }
      let base = b * steps * classes
      let perStep = (0..<steps).map { t in
        logProbabilities(
          Array(yPred.scalars[(base + t * classes)..<(base + (t + 1) * classes)]), fromLogits: true,
          Constants(.float64))
      }
      let posteriors = ctcPosteriors(labels: labels, logProbabilities: perStep)
      for t in 0..<steps {
        for k in 0..<classes {
          gradient[base + t * classes + k] = upstream[b] * (exp(perStep[t][k]) - posteriors[t][k])
        }
      }
    }
    return gradient
  }

  /// γ_t(k): for each step and class, the posterior probability that an alignment of `labels`
  /// emits k at t (rows sum to 1 for a feasible sequence).
  static func ctcPosteriors(labels: [Int], logProbabilities: [[Double]]) -> [[Double]] {
    let steps = logProbabilities.count
    let classes = logProbabilities.first?.count ?? 0
    var posteriors = Array(repeating: Array(repeating: 0.0, count: classes), count: steps)
    guard steps > 0 else { return posteriors }
    var extended = [0]
    for label in labels { extended += [label, 0] }
    let states = extended.count
    // May the path jump from state s − 2 to s (skip the blank between two different labels)?
    let canSkip = extended.indices.map { s in s >= 2 && extended[s] != 0 && extended[s] != extended[s - 2] }

    var alpha = Array(repeating: Array(repeating: -Double.infinity, count: states), count: steps)
    alpha[0][0] = logProbabilities[0][0]
    if states > 1 { alpha[0][1] = logProbabilities[0][extended[1]] }
    for t in 1..<steps {
      for s in 0..<states {
        var total = alpha[t - 1][s]
        if s >= 1 { total = ReferenceMath.logAddExp(total, alpha[t - 1][s - 1]) }
        if canSkip[s] { total = ReferenceMath.logAddExp(total, alpha[t - 1][s - 2]) }
        alpha[t][s] = total + logProbabilities[t][extended[s]]
      }
    }

    var beta = Array(repeating: Array(repeating: -Double.infinity, count: states), count: steps)
    beta[steps - 1][states - 1] = 0
    if states > 1 { beta[steps - 1][states - 2] = 0 }
    for t in stride(from: steps - 2, through: 0, by: -1) {
      for s in 0..<states {
        let stay = beta[t + 1][s] + logProbabilities[t + 1][extended[s]]
        var total = stay
        if s + 1 < states {
          total = ReferenceMath.logAddExp(total, beta[t + 1][s + 1] + logProbabilities[t + 1][extended[s + 1]])
        }
        if s + 2 < states, canSkip[s + 2] {
          total = ReferenceMath.logAddExp(total, beta[t + 1][s + 2] + logProbabilities[t + 1][extended[s + 2]])
        }
        beta[t][s] = total
      }
    }

    let last = alpha[steps - 1]
    let logLikelihood = states > 1 ? ReferenceMath.logAddExp(last[states - 1], last[states - 2]) : last[0]
    for t in 0..<steps {
      var terms = Array(repeating: [Double](), count: classes)
      for s in 0..<states {
        terms[extended[s]].append(exp(alpha[t][s] + beta[t][s] - logLikelihood))
      }
      posteriors[t] = terms.map { ReferenceMath.sum($0) }
    }
    return posteriors
  }
}
