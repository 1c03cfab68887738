import Foundation
import LossCheck
import LossCore

// CTC with the blank at the wrong index.
extension Mutant {
  static let ctc: [Mutant] = [
    Mutant(
      "CTC blank = C − 1", .ctc,
      bug: """
        Uses the last class as the blank (TensorFlow's tf.nn.ctc_loss default, blank_index = −1) \
        where Keras uses class 0, the padding value. An empty label sequence shows it: the loss of \
        logits (1, 1, 2) is −log softmax(x)[1] instead of −log softmax(x)[0] (2 scalars: y_true is \
        (1, 0)).
        """,
      smallest: 2, reductions: [.sumOverBatchSize, .sum, .none]
    ) { buggy, _, input in
      connectionistTemporalClassification(input, blankIsLast: buggy)
    },
  ]
}

/// log(eᵃ + eᵇ) without overflow.
private func logAddExp(_ a: Double, _ b: Double) -> Double {
  if a == -.infinity { return b }
  if b == -.infinity { return a }
  let m = max(a, b)
  return m + log1p(exp(-abs(a - b)))
}

/// CTC negative log-likelihood per sequence by the log-space forward recursion; labels (B, L)
/// padded with 0, logits (B, T, C).
private func connectionistTemporalClassification(_ input: LossInput, blankIsLast: Bool) -> Tensor<Float> {
  let (batch, maxLabels) = (input.yTrue.shape[0], input.yTrue.shape[1])
  let (steps, classes) = (input.yPred.shape[1], input.yPred.shape[2])
  let blank = blankIsLast ? classes - 1 : 0
  var losses = [Double]()
  for b in 0..<batch {
    let row = input.yTrue.scalars[(b * maxLabels)..<((b + 1) * maxLabels)]
    let labels = row.prefix { $0 != 0 }.map { Int($0) }
    // Log-softmax of each time step, maximum subtracted.
    var logP = [[Double]]()
    for t in 0..<steps {
      let start = (b * steps + t) * classes
      let x = input.yPred.scalars[start..<(start + classes)].map(Double.init)
      let m = x.max()!
      var sum = 0.0
      for v in x { sum += exp(v - m) }
      let logSum = m + log(sum)
      logP.append(x.map { $0 - logSum })
    }
    var extended = [blank]
    for label in labels { extended += [label, blank] }
    let s = extended.count
    var alpha = Array(repeating: -Double.infinity, count: s)
    alpha[0] = logP[0][extended[0]]
    if s > 1 { alpha[1] = logP[0][extended[1]] }
    for t in 1..<max(steps, 1) {
      var next = Array(repeating: -Double.infinity, count: s)
      for i in 0..<s {
        var total = alpha[i]
        if i >= 1 { total = logAddExp(total, alpha[i - 1]) }
        if i >= 2, extended[i] != blank, extended[i] != extended[i - 2] { total = logAddExp(total, alpha[i - 2]) }
        next[i] = total + logP[t][extended[i]]
      }
      alpha = next
    }
    losses.append(-(s > 1 ? logAddExp(alpha[s - 1], alpha[s - 2]) : alpha[0]))
  }
  return kerasReduce(losses, shape: [batch], weights: input.sampleWeight, reduction: input.reduction)
}
