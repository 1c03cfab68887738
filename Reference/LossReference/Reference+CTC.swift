import LossCore

// Connectionist temporal classification.
extension Reference {
  /// The negative log-likelihood of each label sequence under the per-step softmax of the logits,
  /// summed over all CTC alignments (the log-space forward algorithm).
  ///
  /// `y_true` has shape (B, L): labels in [1, C) padded with 0 at the end; 0 is both the padding and
  /// the blank, as in Keras. `y_pred` has shape (B, T, C) and holds logits. Keras's JAX backend
  /// represents log 0 by −1e5, so an infeasible alignment gives a large finite number there; here it
  /// is an error, since no alignment exists.
  ///
  /// - Throws: `LossError.invalidShape` for other ranks; `LossError.incompatibleShapes` when the
  ///   batch sizes differ; `LossError.invalidValue` naming `y_true` for a label outside [0, C), a
  ///   non-integer, a 0 before a label, or a sequence that needs more than T steps.
  static func ctc(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>) throws -> Unreduced {
    guard yTrue.rank == 2 else {
      throw LossError.invalidShape(argument: "y_true", shape: yTrue.shape, reason: "CTC labels need shape (batch, max_label_length)")
    }
    guard yPred.rank == 3 else {
      throw LossError.invalidShape(argument: "y_pred", shape: yPred.shape, reason: "CTC logits need shape (batch, time, classes)")
    }
    let (batch, maxLabels) = (yTrue.shape[0], yTrue.shape[1])
    let (steps, classes) = (yPred.shape[1], yPred.shape[2])
    guard yPred.shape[0] == batch else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: "the batch sizes differ")
    }
    guard classes > 0 || batch == 0 || steps == 0 else {
      throw LossError.invalidShape(argument: "y_pred", shape: yPred.shape, reason: "CTC needs at least one class (the blank)")
    }
    let losses = try (0..<batch).map { b -> Double in
      let row = Array(yTrue.scalars[(b * maxLabels)..<((b + 1) * maxLabels)])
      let labels = try ctcLabels(row, sample: b, rowOffset: b * maxLabels, classes: classes, steps: steps)
      let logits = yPred.scalars[(b * steps * classes)..<((b + 1) * steps * classes)]
      let perStep = (0..<steps).map { t in
        let start = logits.startIndex + t * classes
        return logProbabilities(Array(logits[start..<(start + classes)]), fromLogits: true, Constants(.float64))
      }
      return -ctcLogLikelihood(labels: labels, logProbabilities: perStep)
    }
    return Unreduced(Tensor(losses))
  }

  /// The labels of one sample: its leading non-zero entries, checked.
  private static func ctcLabels(_ row: [Double], sample: Int, rowOffset: Int, classes: Int, steps: Int) throws -> [Int] {
    var labels = [Int]()
    var padding = false
    for (j, value) in row.enumerated() {
      guard value.isFinite, value.rounded() == value, value >= 0, value < Double(classes) else {
        throw LossError.invalidValue(
          argument: "y_true", index: rowOffset + j, value: value,
          reason: "a CTC label must be an integer in [0, \(classes)) (0 pads)")
      }
      if value == 0 {
        padding = true
      } else if padding {
        throw LossError.invalidValue(
          argument: "y_true", index: rowOffset + j, value: value,
          reason: "labels must come before the padding 0s (0 is the blank)")
      } else {
        labels.append(Int(value))
      }
    }
    let repeats = zip(labels, labels.dropFirst()).filter { $0 == $1 }.count
    guard labels.count + repeats <= steps else {
      throw LossError.invalidValue(
        argument: "y_true", index: rowOffset, value: Double(labels.count),
        reason: "sample \(sample) has \(labels.count) labels and \(repeats) repeats, which need at least "
          + "\(labels.count + repeats) time steps; y_pred has \(steps)")
    }
    return labels
  }

  /// log Σ over alignments of Π_t p_t(π_t), by the forward recursion over the blank-extended labels.
  static func ctcLogLikelihood(labels: [Int], logProbabilities: [[Double]]) -> Double {
    let steps = logProbabilities.count
    guard steps > 0 else { return labels.isEmpty ? 0 : -.infinity }
    // Extended sequence: blank, l1, blank, l2, ..., blank.
    var extended = [0]
    for label in labels { extended += [label, 0] }
    let s = extended.count
    var alpha = Array(repeating: -Double.infinity, count: s)
    alpha[0] = logProbabilities[0][0]
    if s > 1 { alpha[1] = logProbabilities[0][extended[1]] }
    for t in 1..<steps {
      var next = Array(repeating: -Double.infinity, count: s)
      for i in 0..<s {
        var total = alpha[i]
        if i >= 1 { total = ReferenceMath.logAddExp(total, alpha[i - 1]) }
        if i >= 2, extended[i] != 0, extended[i] != extended[i - 2] {
          total = ReferenceMath.logAddExp(total, alpha[i - 2])
        }
        next[i] = total + logProbabilities[t][extended[i]]
      }
      alpha = next
    }
    return s > 1 ? ReferenceMath.logAddExp(alpha[s - 1], alpha[s - 2]) : alpha[0]
  }
}
