#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import Losses
import PropertyCheck
import Testing

@testable import LossCheck

/// The invariant properties: every one holds for the Float32 kernels, and a deliberately wrong
/// kernel of each family is caught by at least one of them with a small counterexample.
@Suite("Invariants")
struct InvariantTests {
  /// A fixed seed and a modest budget; no regression file.
  static let configuration = CheckConfiguration(
    maxCases: 150, seed: Seed(0x1A7A_11A7), maxShrinkEvaluations: 3000, shrinkTimeLimit: .seconds(10),
    regressions: nil)

  @Test("every invariant holds for the Float32 kernels", arguments: LossName.allCases)
  func float32KernelsSatisfyInvariants(name: LossName) {
    for loss in Catalogue.configurations(of: name) {
      let properties = Invariants.properties(of: loss, for: .float32Kernels)
      #expect(!properties.isEmpty, "no invariants for \(loss)")
      for property in properties {
        let outcome = property.check(.float32Kernels, configuration: Self.configuration)
        #expect(outcome.passed, "\(loss): \(property.name)\n\(outcome.report)")
      }
    }
  }

  @Test("a candidate with only sum_over_batch_size gets single-sample invariants that hold")
  func singleReductionCandidate() {
    let candidate = Candidate.tensors(name: "MSE, mean only") { y, p in
      try Float32Loss.evaluate(.meanSquaredError, yTrue: y, yPred: p).scalars[0]
    }
    let properties = Invariants.properties(of: .meanSquaredError, for: candidate)
    #expect(properties.count >= 5)
    for property in properties {
      let outcome = property.check(candidate, configuration: Self.configuration)
      #expect(outcome.passed, "\(property.name)\n\(outcome.report)")
    }
  }

  @Test("the invariants state the true laws the textbook gets wrong under clipping")
  func trueLawsUnderClipping() throws {
    // LogCosh(y, y) is ln 2 − fl(ln 2), not 0, with Keras's float32 ln 2.
    let logCosh = try Float32Loss.evaluate(.logCosh, yTrue: Tensor([0]), yPred: Tensor([0]))
    #expect(logCosh.scalars[0] < 0 && logCosh.scalars[0] > -2e-9)
    // KL of a probability row against another is negative beyond the agreement allowance.
    let d = Float(9e-8)
    let input = LossInput(yTrue: Tensor([1 - 5 * d, d, d, d, d, d]), yPred: Tensor([1, 0, 0, 0, 0, 0]))
    let kl = try Invariants.Evaluation(.klDivergence, .float32Kernels, input)
    #expect(Double(kl.got[0]) < -kl.allowance[0])
    // BCE's clip is asymmetric at the ends.
    let low = try Float32Loss.evaluate(.binaryCrossentropy(), yTrue: Tensor([0]), yPred: Tensor([0]))
    let high = try Float32Loss.evaluate(.binaryCrossentropy(), yTrue: Tensor([1]), yPred: Tensor([1]))
    #expect(low.scalars[0] != high.scalars[0])
  }

  // MARK: - Wrong candidates

  /// A candidate that evaluates `loss` with the Float32 kernels after `transform`, which rewrites
  /// the input or the result the way a bug would.
  static func wrong(
    _ name: String, _ transform: @escaping @Sendable (Loss, LossInput) throws -> Tensor<Float>
  ) -> Candidate {
    Candidate(name: name, evaluate: transform)
  }

  static func kernel(_ loss: Loss, _ input: LossInput) throws -> Tensor<Float> {
    try Float32Loss.evaluate(
      loss, yTrue: input.yTrue, yPred: input.yPred, sampleWeight: input.sampleWeight, reduction: input.reduction)
  }

  /// One wrong kernel per family, with the loss it claims to implement.
  static let wrongCandidates: [(Loss, Candidate)] = [
    (.klDivergence, wrong("−KL") { loss, input in try kernel(loss, input).map { -$0 } }),
    (
      .poisson,
      wrong("Poisson with y and p swapped") { loss, input in
        var swapped = input
        (swapped.yTrue, swapped.yPred) = (input.yPred, input.yTrue)
        return try kernel(loss, swapped)
      }
    ),
    (
      .meanSquaredError,
      Candidate(name: "square of the mean error", reductions: [.none], acceptsSampleWeights: false) {
        _, input in
        // (mean(y − p))² instead of mean((y − p)²): below MAE² wherever the errors have both signs.
        let width = input.yTrue.shape.last ?? 1
        let difference = zip(input.yTrue.scalars, input.yPred.scalars).map { $0 - $1 }
        let rows = stride(from: 0, to: difference.count, by: width).map { start -> Float in
          let mean = difference[start..<(start + width)].reduce(0, +) / Float(width)
          return mean * mean
        }
        return try Tensor(shape: Array(input.yTrue.shape.dropLast()), scalars: rows)
      }
    ),
    (.huber(delta: 2.5), wrong("Huber ignoring δ") { _, input in try kernel(.huber(), input) }),
    (.logCosh, wrong("log-cosh without − log 2") { loss, input in try kernel(loss, input).map { $0 + 0.6931472 } }),
    (.cosineSimilarity(), wrong("+cos instead of −cos") { loss, input in try kernel(loss, input).map { -$0 } }),
    (
      .hinge,
      wrong("hinge without the {0, 1} → {−1, 1} conversion") { loss, input in
        // Maps labels 0 to a tiny value so Keras's conversion no longer applies.
        var unconverted = input
        unconverted.yTrue = input.yTrue.map { $0 == 0 ? Float(0x1p-100) : $0 }
        return try kernel(loss, unconverted)
      }
    ),
    (
      .binaryCrossentropy(labelSmoothing: 0.1),
      wrong("BCE ignoring label smoothing") { _, input in
        try kernel(.binaryCrossentropy(), input)
      }
    ),
    (
      .binaryCrossentropy(fromLogits: true),
      wrong("BCE from logits through a float32 sigmoid (NumPy backend)") { _, input in
        var probabilities = input
        probabilities.yPred = input.yPred.map { 1 / (1 + expf(-$0)) }
        return try kernel(.binaryCrossentropy(), probabilities)
      }
    ),
    (
      .binaryFocalCrossentropy(gamma: 0),
      wrong("focal applying α without class balancing") { loss, input in
        try kernel(loss, input).map { 0.25 * $0 }
      }
    ),
    (
      .categoricalCrossentropy(labelSmoothing: 0.1),
      wrong("CCE ignoring label smoothing") { _, input in
        try kernel(.categoricalCrossentropy(), input)
      }
    ),
    (
      .sparseCategoricalCrossentropy(),
      wrong("SCCE reading label c as c + 1") { loss, input in
        var shifted = input
        let classes = Float(input.yPred.shape.last ?? 1)
        shifted.yTrue = input.yTrue.map { ($0 + 1).truncatingRemainder(dividingBy: classes) }
        return try kernel(loss, shifted)
      }
    ),
    (
      .categoricalGeneralizedCrossEntropy(q: 0.5),
      wrong("GCE divided by q twice") { loss, input in
        try kernel(loss, input).map { $0 / 0.5 }
      }
    ),
    (
      .dice(axis: [-1]),
      wrong("dice returning the overlap ratio, not 1 − ratio") { loss, input in
        try kernel(loss, input).map { 1 - $0 }
      }
    ),
    (
      .ctc,
      wrong("CTC reading the labels backwards") { loss, input in
        var reversed = input
        let width = input.yTrue.shape[1]
        var scalars = input.yTrue.scalars
        for row in 0..<input.yTrue.shape[0] {
          let labels = scalars[(row * width)..<((row + 1) * width)].filter { $0 != 0 }
          for (j, label) in labels.reversed().enumerated() { scalars[row * width + j] = label }
        }
        reversed.yTrue = try Tensor(shape: input.yTrue.shape, scalars: scalars)
        return try kernel(loss, reversed)
      }
    ),
    (.circle(), wrong("circle minus a constant") { loss, input in try kernel(loss, input).map { $0 - 0.5 } }),
  ]

  @Test("a wrong kernel of each family is caught by an invariant", arguments: wrongCandidates.indices)
  func wrongCandidateIsCaught(index: Int) {
    let (loss, candidate) = Self.wrongCandidates[index]
    let outcomes = Invariants.properties(of: loss, for: candidate).map {
      $0.check(candidate, configuration: Self.configuration)
    }
    let failures = outcomes.filter { !$0.passed }
    #expect(!failures.isEmpty, "\(candidate.name) passed every invariant of \(loss)")
    // The smallest counterexample among the failures shrinks to a few scalars.
    let smallest = failures.compactMap(\.counterexampleSize).min()
    #expect(smallest.map { $0 <= 8 } ?? true, "\(candidate.name): smallest counterexample has \(smallest ?? 0) scalars")
  }
}
