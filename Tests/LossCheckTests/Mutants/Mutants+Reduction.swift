import LossCheck
import LossCore

// Reduction mutants, on MSE: a divisor that is the batch size instead of the element count, and
// sample weights that mean_with_sample_weight forgets.
extension Mutant {
  static let reduction: [Mutant] = [
    Mutant(
      "MSE sum_over_batch_size ÷ batch size", .meanSquaredError,
      bug: """
        Divides sum_over_batch_size (and mean) by the batch size, shape[0], instead of the element \
        count of the per-sample losses. Equal for (B, C) inputs; for (B, T, C) inputs the result \
        is T times too large, so the smallest input that shows it is (1, 2, 1): 4 scalars.
        """,
      smallest: 4, reductions: Reduction.allCases
    ) { buggy, _, input in
      meanSquaredError(input, dividesByBatchSize: buggy)
    },
    Mutant(
      "MSE mean_with_sample_weight ignores weights", .meanSquaredError,
      bug: """
        mean_with_sample_weight returns the unweighted mean Σl/N instead of Σ(l·w)/Σw (the other \
        reductions weigh correctly). One sample with weight 0 shows it: Keras gives 0 \
        (divide_no_nan), the kernel l: y, p and w of shape (1, 1), (1, 1), (1), 3 scalars.
        """,
      smallest: 3,
      reductions: Reduction.allCases, weights: true
    ) { buggy, _, input in
      meanSquaredError(input, weightedMeanIgnoresWeights: buggy)
    },
  ]
}

/// MSE over the last axis with Keras's reductions written out by hand, with two switchable bugs.
private func meanSquaredError(
  _ input: LossInput, dividesByBatchSize: Bool = false, weightedMeanIgnoresWeights: Bool = false
) -> Tensor<Float> {
  let (values, shape) = perRow(input) { y, p in
    mean(p.count) { j in
      let d = Double(y[y.startIndex + j]) - Double(p[p.startIndex + j])
      return d * d
    }
  }
  let n = values.count
  let weights = input.sampleWeight.map { w in (0..<n).map { Double(w.scalars[w.count == 1 ? 0 : $0]) } }
  let w = weights ?? Array(repeating: 1, count: n)
  var weighted = [Double]()
  var sum = 0.0
  var plainSum = 0.0
  var weightSum = 0.0
  for i in 0..<n {
    weighted.append(values[i] * w[i])
    sum += values[i] * w[i]
    plainSum += values[i]
    weightSum += w[i]
  }
  if input.reduction == .none || shape == [] {
    return Tensor(shape: shape, rounding: weighted)
  }
  switch input.reduction {
  case .sum, .none:
    return Tensor(scalar: Float(sum))
  case .sumOverBatchSize, .mean:
    let divisor = dividesByBatchSize ? shape[0] : n
    return Tensor(scalar: Float(sum / Double(divisor)))
  case .meanWithSampleWeight:
    guard weights != nil else { return Tensor(scalar: Float(sum / Double(n))) }
    if weightedMeanIgnoresWeights { return Tensor(scalar: Float(plainSum / Double(n))) }
    return Tensor(scalar: weightSum == 0 ? 0 : Float(sum / weightSum))
  }
}
