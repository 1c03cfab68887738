// CTC against brute force: enumerate every alignment path of length T over C classes, collapse
// repeats then drop blanks, and add up the probabilities of the paths that spell the label. The
// enumeration and the softmax run in Float80 (64-bit significand), so the brute-force value is exact
// to ~T·C·2⁻⁶⁴ relative: 2¹¹× below Double's rounding.
//
// Tolerance rel 1e-12 (+ abs 1e-14): the forward recursion does T·(2L + 1) logAddExps on values of
// size O(10), each within a few ULP, so the Double result is good to ~1e-14 absolute; the absolute
// term only matters for losses near 0 (a label whose probability is close to 1).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import Testing

@testable import LossReference

#if arch(x86_64) || arch(i386)

/// Collapses an alignment path: merge runs of the same class, then remove the blank 0.
private func collapse(_ path: [Int]) -> [Int] {
  var labels = [Int]()
  var previous = -1
  for symbol in path {
    if symbol != previous && symbol != 0 { labels.append(symbol) }
    previous = symbol
  }
  return labels
}

/// Σ over all C^T paths that collapse to `labels` of Π_t w_t(π_t), in Float80, with `weights[t][c]`.
private func bruteForceSum(labels: [Int], weights: [[Float80]]) -> Float80 {
  let steps = weights.count
  let classes = weights.first?.count ?? 0
  var pathCount = 1
  for _ in 0..<steps { pathCount *= classes }
  var total: Float80 = 0
  var path = [Int](repeating: 0, count: steps)
  for code in 0..<pathCount {
    var rest = code
    for t in 0..<steps {
      path[t] = rest % classes
      rest /= classes
    }
    guard collapse(path) == labels else { continue }
    var product: Float80 = 1
    for t in 0..<steps { product *= weights[t][path[t]] }
    total += product
  }
  return total
}

/// The softmax of one row of logits, in Float80.
private func softmax80(_ row: [Double]) -> [Float80] {
  let m = Float80(row.max() ?? 0)
  let e = row.map { expl(Float80($0) - m) }
  let s = e.reduce(0, +)
  return e.map { $0 / s }
}

/// −log P(label | logits) by brute force.
private func bruteForceLoss(labels: [Int], logits: [[Double]]) -> Double {
  Double(-logl(bruteForceSum(labels: labels, weights: logits.map(softmax80))))
}

/// One random CTC problem: a batch of label rows (padded with 0) and logits (B, T, C).
private struct CTCProblem {
  var labels: [[Int]]
  var logits: [[[Double]]]
  var padded: [[Double]]

  var steps: Int { logits[0].count }
  var classes: Int { logits[0][0].count }

  func yTrue() throws -> Tensor<Double> { try matrix(padded) }

  func yPred() throws -> Tensor<Double> {
    try tensor(logits.flatMap { $0.flatMap { $0 } }, [logits.count, steps, classes])
  }
}

/// A random feasible problem: T ∈ 1...5, C ∈ 1...3, label lengths from 0 up to what T allows.
private func randomProblem(_ rng: inout SplitMix64, batch: Int, logitScale: Double) -> CTCProblem {
  let steps = rng.integer(in: 1...5)
  let classes = rng.integer(in: 1...3)
  var labels = [[Int]]()
  for _ in 0..<batch {
    while true {
      let length = classes == 1 ? 0 : rng.integer(in: 0...steps)
      let row = (0..<length).map { _ in rng.integer(in: 1...(classes - 1)) }
      let repeats = zip(row, row.dropFirst()).filter { $0 == $1 }.count
      if row.count + repeats <= steps {
        labels.append(row)
        break
      }
    }
  }
  let width = (labels.map(\.count).max() ?? 0) + rng.integer(in: 0...2)
  let padded = labels.map { row in row.map(Double.init) + Array(repeating: 0, count: width - row.count) }
  let logits = (0..<batch).map { _ in
    (0..<steps).map { _ in (0..<classes).map { _ in rng.uniform(-logitScale, logitScale) } }
  }
  return CTCProblem(labels: labels, logits: logits, padded: padded)
}

@Suite("CTC")
struct CTCTests {
  /// 300 random batches of 3 (labels of every feasible length, 0–2 extra padding columns), logits in
  /// ±3 and in ±20 (where the per-step probabilities span ~17 orders of magnitude).
  @Test(arguments: [(UInt64(0xC7C0_0001), 3.0), (UInt64(0xC7C0_0002), 20.0)])
  func matchesBruteForce(seed: UInt64, logitScale: Double) throws {
    var rng = SplitMix64(seed: seed)
    for caseIndex in 0..<150 {
      let problem = randomProblem(&rng, batch: 3, logitScale: logitScale)
      let result = try Reference.evaluate(.ctc, yTrue: try problem.yTrue(), yPred: try problem.yPred(), reduction: .none)
      try #require(result.shape == [3])
      for b in 0..<3 {
        let expected = bruteForceLoss(labels: problem.labels[b], logits: problem.logits[b])
        expectClose(
          result.scalars[b], expected, relative: 1e-12, absolute: 1e-14,
          "seed \(seed) case \(caseIndex) sample \(b) labels \(problem.labels[b]) T \(problem.steps) C \(problem.classes):")
      }
    }
  }

  /// The forward recursion is a sum over paths of products of weights, so it must match brute force
  /// for any per-step log-weights, normalised or not (here uniform in [−4, 1]).
  @Test func forwardRecursionMatchesBruteForceOnUnnormalisedWeights() {
    var rng = SplitMix64(seed: 0xF0_4A4D)
    for caseIndex in 0..<200 {
      let steps = rng.integer(in: 1...5)
      let classes = rng.integer(in: 2...3)
      let length = rng.integer(in: 0...steps)
      let labels = (0..<length).map { _ in rng.integer(in: 1...(classes - 1)) }
      let logWeights = (0..<steps).map { _ in (0..<classes).map { _ in rng.uniform(-4, 1) } }
      let weights = logWeights.map { $0.map { expl(Float80($0)) } }
      let total = bruteForceSum(labels: labels, weights: weights)
      let got = Reference.ctcLogLikelihood(labels: labels, logProbabilities: logWeights)
      if total == 0 {
        // Infeasible (too many labels or repeats for T): no path, log 0.
        #expect(got == -.infinity, "case \(caseIndex) labels \(labels) T \(steps)")
      } else {
        expectClose(got, Double(logl(total)), relative: 1e-12, absolute: 1e-14, "case \(caseIndex) labels \(labels):")
      }
    }
  }

  /// An empty label (all padding) is the all-blank path only: −Σ_t log softmax(x_t)[0].
  /// Logits [0, ln 3] at both steps: p(blank) = ¼ each → −2·log ¼ = 4 ln 2.
  @Test func emptyLabelIsAllBlanks() throws {
    let value = try evaluateScalar(
      .ctc, try matrix([[0, 0]]), try tensor([0, log(3.0), 0, log(3.0)], [1, 2, 2]), reduction: .sum)
    expectClose(value, 4 * log(2.0), relative: 1e-12)
  }

  /// Labels of width 0, shape (B, 0), are empty labels too.
  @Test func zeroWidthLabels() throws {
    let value = try evaluateScalar(
      .ctc, try tensor([], [1, 0]), try tensor([0, log(3.0), 0, log(3.0)], [1, 2, 2]), reduction: .sum)
    expectClose(value, 4 * log(2.0), relative: 1e-12)
  }

  /// A repeated label needs a blank between the repeats: [1, 1] fits T = 3 only as (1, 0, 1).
  /// Uniform logits over C = 2: probability (½)³ → 3 ln 2.
  @Test func repeatedLabelAtTheFeasibilityLimit() throws {
    let value = try evaluateScalar(.ctc, try matrix([[1, 1]]), try tensor(Array(repeating: 0, count: 6), [1, 3, 2]), reduction: .sum)
    expectClose(value, 3 * log(2.0), relative: 1e-12)
  }

  /// sum_over_batch_size is the mean of the per-sequence losses (B elements).
  @Test func defaultReductionIsTheBatchMean() throws {
    var rng = SplitMix64(seed: 0xBA7C)
    let problem = randomProblem(&rng, batch: 3, logitScale: 2)
    let expected = (0..<3).map { bruteForceLoss(labels: problem.labels[$0], logits: problem.logits[$0]) }
    let value = try evaluateScalar(.ctc, try problem.yTrue(), try problem.yPred())
    expectClose(value, expected.reduce(0, +) / 3, relative: 1e-12)
  }

  /// As float32 the logits are rounded to Float first; the result is the brute force on those.
  @Test func float32RoundsTheLogits() throws {
    let logits: [[Double]] = [[0.1, 0.7, -0.3], [1.3, -2.2, 0.4], [0.9, 0.05, -1.1]]
    let rounded = logits.map { $0.map { Double(Float($0)) } }
    let value = try evaluateScalar(
      .ctc, try matrix([[2, 1]]), try tensor(logits.flatMap { $0 }, [1, 3, 3]), reduction: .sum, as: .float32)
    expectClose(value, bruteForceLoss(labels: [2, 1], logits: rounded), relative: 1e-12)
  }

  /// Labels that need more steps than T have no alignment: [1, 1] needs 3 steps, [1, 2, 1] needs 3.
  @Test(arguments: [[1.0, 1.0], [1.0, 2.0, 1.0]])
  func infeasibleLabelsThrow(_ row: [Double]) throws {
    let error = expectLossError(.invalidValue, argument: "y_true") {
      try Reference.evaluate(.ctc, yTrue: try matrix([row]), yPred: try tensor(Array(repeating: 0, count: 6), [1, 2, 3]))
    }
    #expect(invalidValueIndex(error) == 0)
  }

  /// A 0 is padding, so a label after it is malformed: [[1, 0], [0, 2]] fails at flat index 3.
  @Test func labelAfterPaddingThrows() throws {
    let error = expectLossError(.invalidValue, argument: "y_true") {
      try Reference.evaluate(
        .ctc, yTrue: try matrix([[1, 0], [0, 2]]), yPred: try tensor(Array(repeating: 0, count: 18), [2, 3, 3]))
    }
    #expect(invalidValueIndex(error) == 3)
  }

  /// Labels must be integers in [0, C): 3 with C = 3, −1, 1.5 and NaN all fail at their flat index.
  @Test(arguments: [3.0, -1.0, 1.5, .nan, .infinity])
  func badLabelThrows(_ label: Double) throws {
    let error = expectLossError(.invalidValue, argument: "y_true") {
      try Reference.evaluate(
        .ctc, yTrue: try matrix([[1, 0], [label, 0]]), yPred: try tensor(Array(repeating: 0, count: 18), [2, 3, 3]))
    }
    #expect(invalidValueIndex(error) == 2)
  }
}

#endif
