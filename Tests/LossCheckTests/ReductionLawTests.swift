@testable import LossCheck
import LossCore
import LossReference
import Losses
import PropertyCheck
import Testing

/// Shared helpers of the reduction-law, edge-case and bad-input tests.
enum CatalogueGroups {
  /// A fixed seed and a modest budget; no regression store, so a failure here never leaks into
  /// another run.
  static let configuration = CheckConfiguration(
    maxCases: 30, seed: Seed(0x5EED_2026), maxShrinkEvaluations: 2_000, shrinkTimeLimit: .seconds(10),
    regressions: nil)

  /// A smaller budget for the reference as a candidate: it checks the generators and formulas.
  static let referenceConfiguration = CheckConfiguration(
    maxCases: 15, seed: Seed(0x5EED_2027), maxShrinkEvaluations: 2_000, shrinkTimeLimit: .seconds(10),
    regressions: nil)

  /// The reference as float32, rounded to Float: a candidate that is right by construction.
  static let reference = Candidate(name: "reference as float32") { loss, input in
    try referenceValue(loss, input)
  }

  static func referenceValue(_ loss: Loss, _ input: LossInput) throws -> Tensor<Float> {
    try input.referenceValue(of: loss).map { Float($0) }
  }

  /// Whether `Float32Loss` has a kernel for `loss` yet: kernels still being written throw
  /// `invalidOption` naming `loss`. Their properties are skipped until they land.
  static func kernelExists(for loss: Loss) -> Bool {
    let probe = LossInputs.valid(loss, for: .float32Kernels).samples(count: 1, seed: Seed(1))
    guard let input = probe.first else { return true }
    do {
      _ = try Candidate.float32Kernels(loss, input)
    } catch let error as LossError {
      if case .invalidOption(name: "loss", _, _) = error { return false }
    } catch {}
    return true
  }

  /// Runs `properties` on `candidate` and records every failure with its report.
  static func expectAllHold(
    _ properties: [LossProperty], _ candidate: Candidate, _ loss: Loss,
    configuration: CheckConfiguration = configuration, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for property in properties {
      let outcome = property.check(candidate, configuration: configuration)
      #expect(outcome.passed, "\(loss): \(outcome.report)", sourceLocation: sourceLocation)
    }
  }

  /// The outcome of the property named `name` among `properties` on `candidate`.
  static func outcome(of name: String, in properties: [LossProperty], on candidate: Candidate) -> PropertyOutcome? {
    properties.first { $0.name == name }.map { $0.check(candidate, configuration: configuration) }
  }

  /// `Float32Loss.evaluate` on an input, with another reduction or without its weights.
  static func float32(
    _ loss: Loss, _ input: LossInput, reduction: Reduction? = nil, weights: Bool = true
  ) throws -> Tensor<Float> {
    try Float32Loss.evaluate(
      loss, yTrue: input.yTrue, yPred: input.yPred, sampleWeight: weights ? input.sampleWeight : nil,
      reduction: reduction ?? input.reduction)
  }
}

@Test(arguments: LossName.allCases)
func reductionLawsHoldForTheFloat32Kernels(_ name: LossName) {
  for loss in Catalogue.configurations(of: name) where CatalogueGroups.kernelExists(for: loss) {
    CatalogueGroups.expectAllHold(ReductionLaws.properties(of: loss, for: .float32Kernels), .float32Kernels, loss)
  }
}

@Test(arguments: LossName.allCases)
func reductionLawsHoldForTheReferenceRoundedToFloat(_ name: LossName) {
  let reference = CatalogueGroups.reference
  for loss in Catalogue.configurations(of: name) {
    CatalogueGroups.expectAllHold(
      ReductionLaws.properties(of: loss, for: reference), reference, loss,
      configuration: CatalogueGroups.referenceConfiguration)
  }
}

@Test func everyLawIsStatedForACandidateWithEveryReduction() {
  let names = Set(ReductionLaws.properties(of: .meanSquaredError, for: .float32Kernels).map(\.name))
  #expect(names.count == 8)
  let sparse = ReductionLaws.properties(of: .sparseCategoricalCrossentropy(ignoreClass: -1), for: .float32Kernels)
  #expect(sparse.contains { $0.name == "ignore_class equals dropping those entries" })
}

@Test func lawsNeedingAMissingReductionOrWeightsAreSkipped() {
  let onlyMean = Candidate.tensors(name: "mean only") { _, _ in 0 }
  #expect(ReductionLaws.properties(of: .meanSquaredError, for: onlyMean).isEmpty)
  var noWeights = Candidate.float32Kernels
  noWeights.acceptsSampleWeights = false
  let names = ReductionLaws.properties(of: .meanSquaredError, for: noWeights).map(\.name)
  #expect(names == ["sum = sum_over_batch_size × element count", "none sums to sum", "mean = sum_over_batch_size"])
}

@Test func aCandidateDividingByTheBatchSizeIsCaught() throws {
  let wrong = Candidate(name: "sum_over_batch_size / batch size") { loss, input in
    guard input.reduction == .sumOverBatchSize || input.reduction == .mean else { return try CatalogueGroups.float32(loss, input) }
    let sum = try CatalogueGroups.float32(loss, input, reduction: .sum)
    return Tensor(scalar: sum.scalars[0] / Float(input.yPred.shape.first ?? 1))
  }
  let properties = ReductionLaws.properties(of: .meanSquaredError, for: wrong)
  let result = try #require(CatalogueGroups.outcome(of: "sum = sum_over_batch_size × element count", in: properties, on: wrong))
  #expect(!result.passed)
  // Shrunk to a small rank-3 input: (B, T, C) per-sample losses (B, T) with T = 2 tell N from B.
  #expect((result.counterexampleSize ?? .max) <= 12, "\(result.report)")
  let mean = try #require(CatalogueGroups.outcome(of: "mean = sum_over_batch_size", in: properties, on: wrong))
  #expect(mean.passed)
}

@Test func aCandidateIgnoringWeightsUnderMeanWithSampleWeightIsCaught() throws {
  let wrong = Candidate(name: "mean_with_sample_weight without weights") { loss, input in
    try CatalogueGroups.float32(loss, input, weights: input.reduction != .meanWithSampleWeight)
  }
  let properties = ReductionLaws.properties(of: .huber(), for: wrong)
  let result = try #require(CatalogueGroups.outcome(of: "mean_with_sample_weight × Σ(w·m) = sum", in: properties, on: wrong))
  #expect(!result.passed)
  #expect((result.counterexampleSize ?? .max) <= 8, "\(result.report)")
  // Unit weights cannot tell: that law holds for this candidate.
  let unit = try #require(
    CatalogueGroups.outcome(of: "unit weights leave mean_with_sample_weight equal to the mean", in: properties, on: wrong))
  #expect(unit.passed)
}

@Test func aCandidateIgnoringWeightsEverywhereFailsTheWeightLaws() throws {
  let wrong = Candidate(name: "no weights") { loss, input in try CatalogueGroups.float32(loss, input, weights: false) }
  let properties = ReductionLaws.properties(of: .meanAbsoluteError, for: wrong)
  for name in ["sum is linear in the weights (2w doubles it)", "a zero weight removes its sample"] {
    let result = try #require(CatalogueGroups.outcome(of: name, in: properties, on: wrong))
    #expect(!result.passed, "\(name)")
  }
}

@Test func aCandidateWithANonZeroNoneEntryForAZeroWeightIsCaught() throws {
  // A zero weight treated as "no weight" (1): the sample is not removed.
  let wrong = Candidate(name: "zero weight means one") { loss, input in
    var input = input
    input.sampleWeight = input.sampleWeight?.map { $0 == 0 ? 1 : $0 }
    return try CatalogueGroups.float32(loss, input)
  }
  let properties = ReductionLaws.properties(of: .meanSquaredError, for: wrong)
  let result = try #require(CatalogueGroups.outcome(of: "a zero weight removes its sample", in: properties, on: wrong))
  #expect(!result.passed)
}

@Test func ignoreClassMustDropEntriesNotJustZeroThem() throws {
  // Zeroing the ignored entries but dividing by every entry: Keras divides by the valid count.
  let loss = Loss.sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1)
  guard CatalogueGroups.kernelExists(for: loss) else { return }
  let wrong = Candidate(name: "ignored entries counted") { loss, input in
    guard input.reduction == .sumOverBatchSize || input.reduction == .mean else { return try CatalogueGroups.float32(loss, input) }
    let none = try CatalogueGroups.float32(loss, input, reduction: Reduction.none)
    let total = none.scalars.reduce(0, +)
    return Tensor(scalar: none.count == 0 ? 0 : total / Float(none.count))
  }
  let properties = ReductionLaws.properties(of: loss, for: wrong)
  let result = try #require(CatalogueGroups.outcome(of: "ignore_class equals dropping those entries", in: properties, on: wrong))
  #expect(!result.passed)
}
