@testable import LossCheck
import LossCore
import LossReference
import Losses
import PropertyCheck
import Testing

@Test(arguments: LossName.allCases)
func badInputIsRejectedByTheFloat32KernelsAsByTheReference(_ name: LossName) {
  for loss in Catalogue.configurations(of: name) where CatalogueGroups.kernelExists(for: loss) {
    CatalogueGroups.expectAllHold(BadInput.properties(of: loss, for: .float32Kernels), .float32Kernels, loss)
  }
}

@Test(arguments: LossName.allCases)
func everyBadInputGeneratorMakesTheReferenceThrow(_ name: LossName) {
  // The reference rounded to Float throws exactly the reference's errors, so every property holds
  // unless a generator produced an input the reference accepts.
  let reference = CatalogueGroups.reference
  for loss in Catalogue.configurations(of: name) {
    let properties = BadInput.properties(of: loss, for: reference)
    #expect(properties.count >= 3, "\(loss)")
    CatalogueGroups.expectAllHold(properties, reference, loss, configuration: CatalogueGroups.referenceConfiguration)
  }
}

@Test func badInputPropertiesCoverEveryClass() {
  func names(_ loss: Loss) -> Set<String> { Set(BadInput.properties(of: loss, for: .float32Kernels).map(\.name)) }
  #expect(names(.meanSquaredError).contains("rejects shapes that do not broadcast as the reference does"))
  #expect(names(.categoricalCrossentropy()).contains("rejects unequal shapes that broadcast as the reference does"))
  #expect(names(.sparseCategoricalCrossentropy()).contains("rejects label shapes that do not fit y_pred as the reference does"))
  #expect(names(.ctc).isSuperset(of: [
    "rejects CTC labels that need more time steps than y_pred has as the reference does",
    "rejects CTC labels after the padding 0 as the reference does",
    "rejects labels out of range or not integers as the reference does",
  ]))
  #expect(names(.huber()).contains("rejects option values out of their domain as the reference does"))
  #expect(names(.dice()).contains("rejects option values out of their domain as the reference does"))
  #expect(!names(.dice()).contains("rejects sample weights that do not align as the reference does"))
  #expect(names(.circle()).contains("rejects sample weights that do not align as the reference does"))
  #expect(!names(.circle()).contains("rejects an empty reduced axis as the reference does"))
  var lenient = Candidate.float32Kernels
  lenient.validatesInput = false
  #expect(Catalogue.properties(of: .meanSquaredError, for: lenient).allSatisfy { !$0.name.hasPrefix("rejects") })
}

@Test func aCandidateReturningANumberForMismatchedShapesIsCaught() throws {
  let wrong = Candidate(name: "0 for mismatched shapes") { loss, input in
    do {
      return try CatalogueGroups.float32(loss, input)
    } catch LossError.incompatibleShapes {
      return Tensor(scalar: 0)
    }
  }
  let properties = BadInput.properties(of: .meanSquaredError, for: wrong)
  let result = try #require(CatalogueGroups.outcome(of: "rejects shapes that do not broadcast as the reference does", in: properties, on: wrong))
  #expect(!result.passed)
  // Shrunk to rank 1: y_true (2) against y_pred (3).
  #expect((result.counterexampleSize ?? .max) <= 5, "\(result.report)")
  let weights = try #require(CatalogueGroups.outcome(of: "rejects sample weights that do not align as the reference does", in: properties, on: wrong))
  #expect(!weights.passed)
}

@Test func aCandidateThrowingTheWrongCaseOrArgumentIsCaught() throws {
  let wrongCase = Candidate(name: "every error is invalidShape") { loss, input in
    do {
      return try CatalogueGroups.float32(loss, input)
    } catch let error as LossError {
      throw LossError.invalidShape(argument: error.argument, shape: [], reason: "\(error)")
    }
  }
  let wrongArgument = Candidate(name: "every error names y_pred") { loss, input in
    do {
      return try CatalogueGroups.float32(loss, input)
    } catch LossError.incompatibleShapes(_, let shape, let other, let otherShape, let reason) {
      throw LossError.incompatibleShapes(argument: "y_pred", shape: shape, other: other, otherShape: otherShape, reason: reason)
    }
  }
  let name = "rejects shapes that do not broadcast as the reference does"
  for candidate in [wrongCase, wrongArgument] {
    let result = try #require(CatalogueGroups.outcome(of: name, in: BadInput.properties(of: .logCosh, for: candidate), on: candidate))
    #expect(!result.passed, "\(candidate.name)")
  }
}

@Test func aCandidateThatAcceptsOptionsOutOfTheirDomainIsCaught() throws {
  // Clamps delta into its domain instead of rejecting it.
  let clamping = Candidate(name: "clamps delta") { loss, input in
    guard case .huber(let delta) = loss, !(delta > 0) else { return try CatalogueGroups.float32(loss, input) }
    return try CatalogueGroups.float32(.huber(delta: 1e-3), input)
  }
  let name = "rejects option values out of their domain as the reference does"
  let result = try #require(CatalogueGroups.outcome(of: name, in: BadInput.properties(of: .huber(), for: clamping), on: clamping))
  #expect(!result.passed)
}

@Test func aCandidateThatTrapsIsNotNeededToFindMissingLabelChecks() throws {
  // A sparse kernel that treats an out-of-range label as JAX does (a zero one-hot row, loss 0).
  let loss = Loss.categoricalGeneralizedCrossEntropy()
  let jaxLike = Candidate(name: "out-of-range labels give 0") { loss, input in
    let classes = input.yPred.shape.last ?? 1
    let valid = input.yTrue.scalars.allSatisfy { $0.rounded() == $0 && $0 >= 0 && $0 < Float(classes) }
    guard !valid, input.yTrue.count * classes == input.yPred.count else { return try CatalogueGroups.referenceValue(loss, input) }
    return Tensor(scalar: 0)
  }
  let name = "rejects labels out of range or not integers as the reference does"
  let result = try #require(CatalogueGroups.outcome(of: name, in: BadInput.properties(of: loss, for: jaxLike), on: jaxLike))
  #expect(!result.passed)
}
