import Foundation
import LossCheck
import LossCore

// Crossentropy mutants: binary (clipping constants, softplus), categorical (softmax, renormalisation,
// label smoothing), sparse (ignore_class) and binary focal (class balancing).
extension Mutant {
  static let crossentropy: [Mutant] = [
    Mutant(
      "BCE eps 1e-8", .binaryCrossentropy(),
      bug: """
        Clips p to [1e-8, 1 − 1e-8] instead of Keras's float32 [Float(1e-7), 1 − 2⁻²³]. In Float \
        1 − 1e-8 rounds to 1, so the upper clip vanishes: y = 0, p = 1 gives +∞ (Keras 15.942385), \
        and y = 1, p = 0 gives −log(1e-8) = 18.420681 (Keras 16.118095).
        """,
      smallest: 2
    ) { buggy, loss, input in
      binaryCrossentropy(loss, input, epsilon: buggy ? 1e-8 : epsilon)
    },
    Mutant(
      "BCE unclipped log(p)", .binaryCrossentropy(),
      bug: """
        Takes log(p) and log1p(−p) of the unclipped probability: y = 1, p = 0 gives +∞ and \
        y = 0, p = 0 gives 0·log 0 = NaN (Keras 16.118095 and 1e-7).
        """,
      smallest: 2
    ) { buggy, loss, input in
      binaryCrossentropy(loss, input, clipped: !buggy)
    },
    Mutant(
      "BCE logits softplus via log(1 + exp)", .binaryCrossentropy(fromLogits: true),
      bug: """
        From logits, softplus(x) = max(x, 0) + log(1 + exp(−|x|)) in Float instead of log1p: the \
        tail exp(−|x|) < 2⁻²⁴ is lost in 1 + exp(−|x|), so y = 0, x = −20 gives 0 instead of \
        2.0611537e-09, and for smaller |x| the result is off by about 2⁻²⁴ absolute.
        """,
      smallest: 2
    ) { buggy, loss, input in
      binaryCrossentropy(
        loss, input,
        softplus: buggy ? { x in max(x, 0) + logf(1 + expf(-abs(x))) } : { x in max(x, 0) + log1pf(expf(-abs(x))) })
    },
    Mutant(
      "CCE logits softmax without max", .categoricalCrossentropy(fromLogits: true),
      bug: """
        From logits, log Σ exp(x) without subtracting the row maximum first: Float exp overflows \
        for x > 88.7 (a logit of 100 gives log(∞) and an ∞ or NaN loss) and underflows below \
        −103 (every logit at −200 gives log 0).
        """,
      smallest: 2
    ) { buggy, loss, input in
      categoricalCrossentropy(loss, input, subtractsMax: !buggy)
    },
    Mutant(
      "CCE without renormalisation", .categoricalCrossentropy(),
      bug: """
        From probabilities, clips p directly instead of p / Σp: a row that does not sum to 1 gives \
        the wrong loss (y = [1, 0], p = [0.5, 0]: Keras −log(1 − 2⁻²³) = 1.19e-7, this kernel \
        −log 0.5), and an all-zero row gives 16.1 instead of NaN. The agreement generator makes \
        only rows that sum to 1, where renormalising changes nothing beyond rounding; the edge \
        properties (unnormalised rows at the clip bounds) catch it.
        """,
      smallest: 4
    ) { buggy, loss, input in
      categoricalCrossentropy(loss, input, renormalises: !buggy)
    },
    Mutant(
      "CCE label smoothing over C − 1", .categoricalCrossentropy(labelSmoothing: 0.1),
      bug: """
        Smooths labels as y·(1 − ls) + ls/(C − 1) instead of ls/C: with one class the smoothed \
        target is ∞, with two it is 0.1 too large on every class.
        """,
      smallest: 2
    ) { buggy, loss, input in
      categoricalCrossentropy(loss, input, smoothingClasses: buggy ? { $0 - 1 } : { $0 })
    },
    Mutant(
      "SCCE ignore_class ignored", .sparseCategoricalCrossentropy(ignoreClass: -1),
      bug: """
        Never reads ignore_class. An out-of-range label (−1) selects no class, as JAX's one_hot \
        does, so its loss is 0 and the kernel looks right, but nothing is masked: \
        sum_over_batch_size divides by every entry instead of the valid ones (labels [0, −1] with \
        two classes: half the loss). With one class the valid entry's loss is −log(1 − 2⁻²³) = \
        1.2e-7, and halving it stays inside the agreement bound (4u·(l + 1) per entry), so the \
        smallest input that shows the bug has two classes: 2 labels and 2 × 2 probabilities.
        """,
      smallest: 6, reductions: [.sumOverBatchSize, .sum, .none]
    ) { buggy, loss, input in
      sparseCategoricalCrossentropy(loss, input, honoursIgnoreClass: !buggy)
    },
    Mutant(
      "Binary focal alpha without class balancing", .binaryFocalCrossentropy(),
      bug: """
        Multiplies by α_t = y·α + (1 − y)·(1 − α) even when apply_class_balancing is False, where \
        Keras leaves α unused: the default loss comes out 0.25× (positives) or 0.75× (negatives).
        """,
      smallest: 2
    ) { buggy, loss, input in
      binaryFocalCrossentropy(loss, input, alwaysBalances: buggy)
    },
  ]
}

// MARK: - The kernels

/// y·(1 − ls) + ½·ls, or y when ls is 0.
private func smoothBinary(_ y: Float, _ labelSmoothing: Double) -> Double {
  labelSmoothing == 0 ? Double(y) : Double(y) * (1 - labelSmoothing) + 0.5 * labelSmoothing
}

/// −(t·log p + (1 − t)·log(1 − p)) with p clipped to [eps, 1 − eps], 1 − eps rounded to Float.
private func clippedBinaryCrossentropy(_ t: Double, _ p: Double, epsilon eps: Float = epsilon, clipped: Bool = true)
  -> Double
{
  let pc = clipped ? clip(p, Double(eps), Double(1 - eps)) : p
  return -(t * log(pc) + (1 - t) * log1p(-pc))
}

/// Binary crossentropy, mean over the last axis; from logits t·softplus(−x) + (1 − t)·softplus(x).
private func binaryCrossentropy(
  _ loss: Loss, _ input: LossInput, epsilon eps: Float = epsilon, clipped: Bool = true,
  softplus: (Float) -> Float = { x in max(x, 0) + log1pf(expf(-abs(x))) }
) -> Tensor<Float> {
  guard case .binaryCrossentropy(let fromLogits, let labelSmoothing, _) = loss else { fatalError("\(loss)") }
  let ls = Double(Float(labelSmoothing))
  return rowLoss(input) { y, p in
    mean(p.count) { j in
      let t = smoothBinary(y[y.startIndex + j], ls)
      let x = p[p.startIndex + j]
      if fromLogits {
        return t * Double(softplus(-x)) + (1 - t) * Double(softplus(x))
      }
      return clippedBinaryCrossentropy(t, Double(x), epsilon: eps, clipped: clipped)
    }
  }
}

/// Categorical crossentropy over the last axis: −Σ t·log o, o = clip(p / Σp) from probabilities,
/// or the log-softmax of logits.
private func categoricalCrossentropy(
  _ loss: Loss, _ input: LossInput, subtractsMax: Bool = true, renormalises: Bool = true,
  smoothingClasses: (Double) -> Double = { $0 }
) -> Tensor<Float> {
  guard case .categoricalCrossentropy(let fromLogits, let labelSmoothing, _) = loss else { fatalError("\(loss)") }
  let ls = Double(Float(labelSmoothing))
  let (low, high) = (Double(epsilon), Double(oneMinusEpsilon))
  return rowLoss(input) { y, p in
    let classes = p.count
    let t = y.map { ls == 0 ? Double($0) : Double($0) * (1 - ls) + ls / smoothingClasses(Double(classes)) }
    var total = 0.0
    if fromLogits {
      let m = subtractsMax ? p.max()! : 0
      var sum = 0.0
      for x in p { sum += Double(expf(x - m)) }
      let logSum = Double(m) + log(sum)
      for j in 0..<classes { total -= t[j] * (Double(p[p.startIndex + j]) - logSum) }
    } else {
      var sum = 0.0
      for x in p { sum += Double(x) }
      for j in 0..<classes {
        let x = Double(p[p.startIndex + j])
        total -= t[j] * log(clip(renormalises ? x / sum : x, low, high))
      }
    }
    return total
  }
}

/// Sparse categorical crossentropy with integer labels; entries labelled `ignore_class` are
/// masked out (when `honoursIgnoreClass`), and an out-of-range label selects no class (loss 0).
private func sparseCategoricalCrossentropy(_ loss: Loss, _ input: LossInput, honoursIgnoreClass: Bool)
  -> Tensor<Float>
{
  guard case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, _) = loss else { fatalError("\(loss)") }
  let rows = Rows(input.yPred.shape)
  let (low, high) = (Double(epsilon), Double(oneMinusEpsilon))
  var values = [Double]()
  var mask = [Bool]()
  for r in 0..<rows.count {
    let label = Int(input.yTrue.scalars[r])
    let p = input.yPred.scalars[rows.offsets(r)]
    let valid = !honoursIgnoreClass || ignoreClass.map { label != $0 } ?? true
    mask.append(valid)
    guard valid, (0..<rows.length).contains(label) else {
      values.append(0)
      continue
    }
    let x = Double(p[p.startIndex + label])
    if fromLogits {
      let m = p.max()!
      var sum = 0.0
      for v in p { sum += exp(Double(v) - Double(m)) }
      values.append(Double(m) + log(sum) - x)
    } else {
      var sum = 0.0
      for v in p { sum += Double(v) }
      values.append(-log(clip(x / sum, low, high)))
    }
  }
  let masked = honoursIgnoreClass && ignoreClass != nil
  return kerasReduce(
    values, shape: rows.sampleShape, weights: input.sampleWeight, mask: masked ? mask : nil,
    reduction: input.reduction)
}

/// Binary focal crossentropy: (1 − p_t)^γ · bce, times α_t with class balancing; from logits
/// p = σ(x) and the clipped probability crossentropy follows, as in Keras 3.
private func binaryFocalCrossentropy(_ loss: Loss, _ input: LossInput, alwaysBalances: Bool) -> Tensor<Float> {
  guard case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, let labelSmoothing, _) = loss
  else { fatalError("\(loss)") }
  let (a, g, ls) = (Double(Float(alpha)), Double(Float(gamma)), Double(Float(labelSmoothing)))
  return rowLoss(input) { y, p in
    mean(p.count) { j in
      let t = smoothBinary(y[y.startIndex + j], ls)
      let x = Double(p[p.startIndex + j])
      let (probability, complement) = fromLogits ? (1 / (1 + exp(-x)), 1 / (1 + exp(x))) : (x, 1 - x)
      let bce = clippedBinaryCrossentropy(t, probability)
      let oneMinusPt = t * complement + (1 - t) * probability
      var focal = pow(oneMinusPt, g) * bce
      if balancing || alwaysBalances { focal *= t * a + (1 - t) * (1 - a) }
      return focal
    }
  }
}
