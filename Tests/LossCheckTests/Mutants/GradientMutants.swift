import Foundation
import LossCheck
import LossCore
import Losses
import PropertyCheck
import Testing

/// A deliberately broken gradient kernel for the mutation self-test of `verify`'s gradient
/// properties.
///
/// Each mutant is a small gradient kernel in plain Swift loops with one plausible bug, wrapped in a
/// candidate whose value is the module's correct `Float32Loss.evaluate`, so only the gradient
/// properties can catch it. `fixed` is the same kernel with only the bug removed: `verify` must
/// pass it, which shows the mutant is caught for its bug and not for an inaccuracy around it. The
/// kernels read Float inputs, work in Double and round each element once.
struct GradientMutant: Sendable, CustomTestStringConvertible {
  /// A short name, e.g. `MSE gradient sign`.
  let name: String
  /// The loss and options the kernel implements.
  let loss: Loss
  /// The bug, and what input shows it.
  let bug: String
  /// The broken candidate.
  let candidate: Candidate
  /// The same kernel with the bug removed.
  let fixed: Candidate
  /// The fewest scalars (y_true + y_pred + weights) of an input that shows the bug.
  let smallestCounterexample: Int
  /// The properties expected to catch the bug (at least one of them must fail).
  let caughtBy: [String]

  /// The seed of every run: fixed, so the tests are deterministic.
  static let seed = Seed(0x4752_4144_4D55_5431)

  var testDescription: String { name }

  init(
    _ name: String, _ loss: Loss, bug: String, smallest: Int, caughtBy: [String], reductions: [Reduction],
    weights: Bool = false,
    kernel: @escaping @Sendable (_ buggy: Bool, _ input: LossInput) throws -> [Double]
  ) {
    self.name = name
    self.loss = loss
    self.bug = bug
    self.smallestCounterexample = smallest
    self.caughtBy = caughtBy
    func candidate(_ buggy: Bool) -> Candidate {
      Candidate(
        name: buggy ? name : "\(name) (fixed)", reductions: reductions, acceptsSampleWeights: weights,
        validatesInput: false,
        evaluate: { loss, input in
          try Float32Loss.evaluate(
            loss, yTrue: input.yTrue, yPred: input.yPred, sampleWeight: input.sampleWeight, reduction: input.reduction)
        },
        gradient: { _, input in
          try Tensor(shape: input.yPred.shape, scalars: try kernel(buggy, input).map { Float($0) }, argument: "gradient")
        })
    }
    self.candidate = candidate(true)
    self.fixed = candidate(false)
  }

  static func named(_ name: String) -> GradientMutant {
    all.first { $0.name == name }!
  }

  static let agreement = "gradient agrees with the reference gradient as float32"

  /// The five gradient mutants of issue 7.
  static let all: [GradientMutant] = [
    GradientMutant(
      "MSE gradient sign", .meanSquaredError,
      bug: "∂/∂p of (y − p)² written as 2(y − p) instead of 2(p − y): any p ≠ y shows it (y = [0], p = [1])",
      smallest: 2, caughtBy: [agreement], reductions: [.sumOverBatchSize]
    ) { buggy, input in
      try lanes(input) { y, p, n, factor in
        let difference = buggy ? y - p : p - y
        return 2 * factor / Double(n) * difference
      }
    },
    GradientMutant(
      "MSE gradient without 1/N", .meanSquaredError,
      bug: "sum_over_batch_size differentiated as sum (the 1/N of the batch mean dropped): two samples show it "
        + "(y = [[0], [0]], p = [[1], [0]]); one sample (N = 1) cannot",
      smallest: 4, caughtBy: [agreement, "gradient of sum is N × gradient of sum_over_batch_size"],
      reductions: [.sum, .sumOverBatchSize]
    ) { buggy, input in
      try lanes(input, dropsBatchMean: buggy) { y, p, n, factor in 2 * factor / Double(n) * (p - y) }
    },
    GradientMutant(
      "BCE gradient not zeroed where clipped", .binaryCrossentropy(),
      bug: "(p_c − t)/(p_c(1 − p_c)) with p_c = clip(p, eps, 1 − eps) but without clip's slope: p = 0 or 1 "
        + "still gets a gradient (y = [0], p = [0])",
      smallest: 2, caughtBy: [agreement, "gradient is zero where the prediction is clipped"],
      reductions: [.sumOverBatchSize]
    ) { buggy, input in
      let eps = Double(Float(1e-7))
      let high = Double(Float(1) - Float(1e-7))
      return try lanes(input) { t, p, n, factor in
        let clipped = min(max(p, eps), high)
        let slope = buggy ? 1 : (p > eps && p < high ? 1 : (p == eps || p == high ? 0.5 : 0))
        return factor / Double(n) * slope * (clipped - t) / (clipped * (1 - clipped))
      }
    },
    GradientMutant(
      "softmax gradient without the target", .categoricalCrossentropy(fromLogits: true),
      bug: "∂/∂x of −Σ t·log softmax(x) written as softmax(x)·Σt, the − t forgotten: any row shows it "
        + "(y = [1], x = [0])",
      smallest: 2, caughtBy: [agreement, "gradient rows sum to zero from logits"], reductions: [.sumOverBatchSize]
    ) { buggy, input in
      try rows(input) { t, x, factor in
        let m = x.max() ?? 0
        let e = x.map { exp($0 - m) }
        let total = e.reduce(0, +)
        let mass = t.reduce(0, +)
        return x.indices.map { k in factor * (e[k] / total * mass - (buggy ? 0 : t[k])) }
      }
    },
    GradientMutant(
      "MSE sample weight applied twice", .meanSquaredError,
      bug: "the sample weight multiplies the upstream factor and the term again (w² instead of w): any weight "
        + "≠ 1 shows it (y = [0], p = [1], w = 2)",
      smallest: 3, caughtBy: [agreement, "a constant sample weight c scales the gradient by c"], reductions: [.sum],
      weights: true
    ) { buggy, input in
      try lanes(input, squaresWeights: buggy) { y, p, n, factor in 2 * factor / Double(n) * (p - y) }
    },
  ]

  // MARK: - Kernel loops

  /// Runs `term(y, p, n, factor)` over every element, lanes along the last axis (n their length),
  /// with the reduction's factor of the element's sample: w (1 without weights) for `sum`/`none`,
  /// w/N for `sum_over_batch_size`, w/Σw for `mean_with_sample_weight`; a rank-1 input is a single
  /// sample that every reduction passes through (factor w).
  static func lanes(
    _ input: LossInput, dropsBatchMean: Bool = false, squaresWeights: Bool = false,
    _ term: (_ y: Double, _ p: Double, _ n: Int, _ factor: Double) -> Double
  ) throws -> [Double] {
    let n = input.yPred.shape.last ?? 1
    let samples = n == 0 ? 0 : input.yPred.count / n
    let factors = sampleFactors(input, samples: samples, dropsBatchMean: dropsBatchMean, squaresWeights: squaresWeights)
    var gradient = [Double](repeating: 0, count: input.yPred.count)
    for sample in 0..<samples {
      for j in 0..<n {
        let k = sample * n + j
        gradient[k] = term(Double(input.yTrue.scalars[k]), Double(input.yPred.scalars[k]), n, factors[sample])
      }
    }
    return gradient
  }

  /// Runs `row(t, x, factor)` over every row along the last axis.
  static func rows(
    _ input: LossInput, _ row: (_ t: [Double], _ x: [Double], _ factor: Double) -> [Double]
  ) throws -> [Double] {
    let n = input.yPred.shape.last ?? 1
    let samples = n == 0 ? 0 : input.yPred.count / n
    let factors = sampleFactors(input, samples: samples, dropsBatchMean: false, squaresWeights: false)
    var gradient = [Double]()
    for sample in 0..<samples {
      let range = (sample * n)..<((sample + 1) * n)
      gradient += row(
        input.yTrue.scalars[range].map(Double.init), input.yPred.scalars[range].map(Double.init), factors[sample])
    }
    return gradient
  }

  /// The reduction's factor of each sample (weights of the per-sample shape, or none).
  static func sampleFactors(_ input: LossInput, samples: Int, dropsBatchMean: Bool, squaresWeights: Bool) -> [Double] {
    var weights = input.sampleWeight?.scalars.map(Double.init) ?? Array(repeating: 1, count: samples)
    if squaresWeights { weights = weights.map { $0 * $0 } }
    let single = input.yPred.rank <= 1
    let divisor: Double
    switch input.reduction {
    case .none, .sum: divisor = 1
    case .sumOverBatchSize, .mean: divisor = single || dropsBatchMean ? 1 : Double(samples)
    case .meanWithSampleWeight:
      divisor = single ? 1 : (input.sampleWeight == nil ? Double(samples) : weights.reduce(0, +))
    }
    return weights.map { divisor == 0 ? 0 : $0 / divisor }
  }
}
