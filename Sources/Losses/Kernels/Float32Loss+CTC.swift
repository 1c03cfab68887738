#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Connectionist temporal classification.
extension Float32Loss {
  /// The negative log-likelihood of each label sequence (B, L) under the per-step softmax of the
  /// logits (B, T, C), summed over all CTC alignments; 0 is both the padding and the blank.
  ///
  /// Per sample and step: the log-sum-exp of the C logits (one SIMD pass for the maximum, one for
  /// Σ exp(z − max) with the vectorised Float exp, summed in Double), then the forward recursion over
  /// the 2L + 1 blank-extended labels in Double, in linear space rescaled at every step: only the
  /// probabilities of the blank and the sample's labels are formed, relative to their largest, so
  /// nothing underflows unless a state is 2⁻¹⁰⁷⁴ below the best one; a sample whose final states
  /// underflow anyway is recomputed in log space.
  ///
  /// Error: the loss is Σ_t lse_t − log Σ_paths exp(Σ_t z_t,πt), with ∂loss/∂lse_t = 1. Each lse_t
  /// is within about 1.5u of exact (the Float exp's ≤ 1 ulp per term, the rounding of z − max
  /// weighted by e^−(max − z)·(max − z) ≤ 0.37, log in Double), the rest is Double arithmetic. Bound:
  /// ½ ULP + 1.5u·T absolute (worst case, all steps erring alike), a relative 1.5u/log C for a
  /// loss near T·log C; the errors of different steps are independent, so typical results are
  /// within 1 ULP (measured: see `LogarithmicKernelTests`).
  ///
  /// - Throws: as the reference: `invalidShape` for other ranks or no class, `incompatibleShapes`
  ///   for different batch sizes, `invalidValue` naming `y_true` for a label outside [0, C), a
  ///   non-integer, a 0 before a label, or a sequence that needs more than T steps.
  static func ctc(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    guard yTrue.shape.count == 2 else {
      throw LossError.invalidShape(argument: "y_true", shape: yTrue.shape, reason: "CTC labels need shape (batch, max_label_length)")
    }
    guard yPred.shape.count == 3 else {
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
    let labels = try (0..<batch).map { b in
      try CTCForward.labels(yTrue.base + b * maxLabels, count: maxLabels, sample: b, classes: classes, steps: steps)
    }
    let logits = yPred.base
    return PerSampleLosses.collect(
      count: batch, shape: [batch], needsValues: needsValues,
      { sink in
        var work = CTCForward(classes: classes, steps: steps)
        for b in 0..<batch { sink.append(work.loss(logits + b * steps * classes, labels: labels[b])) }
      },
      { sink in
        var work = CTCForward(classes: classes, steps: steps)
        for b in 0..<batch { sink.append(work.loss(logits + b * steps * classes, labels: labels[b])) }
      })
  }
}

/// The CTC forward algorithm of one sample at a time, with its scratch buffers.
struct CTCForward {
  let classes: Int
  let steps: Int
  /// log Σ_c exp(z_t,c) of every step.
  var logSums: [Double]
  var alpha: [Double] = []
  var next: [Double] = []

  init(classes: Int, steps: Int) {
    self.classes = classes
    self.steps = steps
    logSums = Array(repeating: 0, count: steps)
  }

  /// The leading non-zero labels of one row, checked as the reference checks them.
  static func labels(_ row: UnsafePointer<Float>, count: Int, sample: Int, classes: Int, steps: Int) throws -> [Int] {
    var labels = [Int]()
    var padding = false
    let rowOffset = sample * count
    for j in 0..<count {
      let value = Double(row[j])
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

  /// −log p(labels | logits) for one sample's (T, C) logits.
  mutating func loss(_ logits: UnsafePointer<Float>, labels: [Int]) -> Double {
    guard steps > 0 else { return -0.0 }
    for t in 0..<steps {
      let lse = Self.logSumExp(logits + t * classes, count: classes)
      guard lse.isFinite else { return .nan }
      logSums[t] = lse
    }
    var extended = [0]
    extended.reserveCapacity(2 * labels.count + 1)
    for label in labels { extended += [label, 0] }
    let linear = linearForward(logits, extended: extended)
    if linear.isFinite { return -linear }
    return -logForward(logits, extended: extended)
  }

  /// log Σ exp(z) of one row: the maximum in one SIMD pass, Σ exp(z − max) in another (Float exp,
  /// blocks of 64 summed in Float and widened to Double), the logarithm in Double. Not finite when
  /// the row holds NaN or +∞ or is all −∞ (Keras's log-softmax is NaN there).
  @inline(never)
  static func logSumExp(_ z: UnsafePointer<Float>, count: Int) -> Double {
    var m = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= count {
      let v = LaneSum.load(z, i)
      m = m.replacing(with: v, where: v .> m)
      i += 8
    }
    var top = m.max()
    while i < count {
      top = Swift.max(top, z[i])
      i += 1
    }
    guard top.isFinite else { return .nan }
    let shift = SIMD8<Float>(repeating: top)
    var total = 0.0
    var block = SIMD8<Float>()
    i = 0
    var inBlock = 0
    while i + 8 <= count {
      block += Elementary.exp(LaneSum.load(z, i) - shift)
      inBlock += 1
      if inBlock == 8 {
        total += Double(block.sum())
        block = SIMD8<Float>()
        inBlock = 0
      }
      i += 8
    }
    var sum = Double(block.sum())
    while i < count {
      sum += Double(Elementary.exp(z[i] - top))
      i += 1
    }
    total += sum
    return Double(top) + log(total)
  }

  /// log p(labels) by the forward recursion in linear space, rescaled at every step; −∞ or NaN when
  /// the final states underflow (the caller then takes `logForward`).
  mutating func linearForward(_ logits: UnsafePointer<Float>, extended: [Int]) -> Double {
    let s = extended.count
    alpha = Array(repeating: 0, count: s)
    next = Array(repeating: 0, count: s)
    var probability = Array(repeating: 0.0, count: s)
    // Whether state i may also be entered from i − 2.
    let skip = (0..<s).map { i in i >= 2 && extended[i] != 0 && extended[i] != extended[i - 2] }
    var logScale = 0.0
    for t in 0..<steps {
      let row = logits + t * classes
      // The probabilities of the states' classes relative to the largest of them.
      var top = -Double.infinity
      for c in extended { top = Swift.max(top, Double(row[c])) }
      guard top > -.infinity else { return -.infinity }  // every state impossible: loss +∞
      for i in 0..<s { probability[i] = exp(Double(row[extended[i]]) - top) }
      logScale += top - logSums[t]
      var total = 0.0
      if t == 0 {
        next[0] = probability[0]
        if s > 1 { next[1] = probability[1] }
        total = next[0] + (s > 1 ? next[1] : 0)
      } else {
        for i in 0..<s {
          var a = alpha[i]
          if i >= 1 { a += alpha[i - 1] }
          if skip[i] { a += alpha[i - 2] }
          let v = a * probability[i]
          next[i] = v
          total += v
        }
      }
      guard total > 0, total.isFinite else { return -.infinity }
      let inverse = 1 / total
      for i in 0..<s { alpha[i] = next[i] * inverse }
      logScale += log(total)
    }
    let final = s > 1 ? alpha[s - 1] + alpha[s - 2] : alpha[0]
    guard final >= Double.leastNormalMagnitude else { return -.infinity }
    return logScale + log(final)
  }

  /// log p(labels) by the forward recursion in log space (slow, for underflowing samples).
  func logForward(_ logits: UnsafePointer<Float>, extended: [Int]) -> Double {
    func logAdd(_ a: Double, _ b: Double) -> Double {
      let m = Swift.max(a, b)
      if m == -.infinity { return m }
      return m + log1p(exp(-Swift.abs(a - b)))
    }
    let s = extended.count
    let logp = { (t: Int, i: Int) in Double(logits[t * classes + extended[i]]) - logSums[t] }
    var alpha = Array(repeating: -Double.infinity, count: s)
    alpha[0] = logp(0, 0)
    if s > 1 { alpha[1] = logp(0, 1) }
    for t in 1..<Swift.max(steps, 1) where t < steps {
      var next = alpha
      for i in 0..<s {
        var total = alpha[i]
        if i >= 1 { total = logAdd(total, alpha[i - 1]) }
        if i >= 2, extended[i] != 0, extended[i] != extended[i - 2] { total = logAdd(total, alpha[i - 2]) }
        next[i] = total + logp(t, i)
      }
      alpha = next
    }
    return s > 1 ? logAdd(alpha[s - 1], alpha[s - 2]) : alpha[0]
  }
}
