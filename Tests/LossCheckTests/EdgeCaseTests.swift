#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import LossCheck
import LossCore
import LossReference
import Losses
import PropertyCheck
import Testing

@Test(arguments: LossName.allCases)
func edgeCasesHoldForTheFloat32Kernels(_ name: LossName) {
  for loss in Catalogue.configurations(of: name) where CatalogueGroups.kernelExists(for: loss) {
    CatalogueGroups.expectAllHold(EdgeCases.properties(of: loss, for: .float32Kernels), .float32Kernels, loss)
  }
}

@Test func theConstantsAreKerasFloat32Values() {
  #expect(Float(EdgeCases.minusLogEps) == 16.118095)
  #expect(Float(EdgeCases.minusLogTwoPowMinus23) == 15.942385)
  // Exactly 2⁻²³ + 2⁻⁴⁷ + …, which rounds up to 2⁻²³ + 2⁻⁴⁶; Keras's float32 log prints 2⁻²³.
  #expect(Float(EdgeCases.minusLogOneMinusEps) == Float(1.1920929e-07).nextUp)
  // The project's (y = 0, p = 0): log1p of the float32 eps, not Keras's rounded log(1 − 2⁻²³).
  #expect(Float(EdgeCases.minusLog1pMinusEps) == 1.0000000617e-07)
  #expect(Float(EdgeCases.minusLog1pMinusEps) != 1.1920929e-07)
  #expect(EdgeCases.eps == 1.0000000116860974e-07)
  #expect(EdgeCases.oneMinusEps == 1 - 0x1p-23)
  #expect(Float(1 - 1e-7) == Float(EdgeCases.oneMinusEps))
  // §10: KLD([0, 1], [.5, 0]), MAPE([0, 2], [1, 1]), log_cosh(100), BCE logits row.
  #expect(Float(EdgeCases.eps * log(EdgeCases.eps / 0.5) + EdgeCases.minusLogEps) == 16.118093)
  #expect(Float(100 * (1 / EdgeCases.eps + 0.5) / 2) == 5.0000003e8)
  #expect(Float(100 - Double(Float(M_LN2))) == 99.306854)
  let row = [-100.0, -20, 0, 20, 100].map { Float(EdgeCases.softplus(-$0)) }
  #expect(row[0] == 100 && row[1] == 20 && row[2] == 0.69314718 && row[3] == 2.0611537e-09)
  #expect(row[4] < Float.leastNormalMagnitude)
}

@Test func edgePropertiesAreNamedForTheUser() {
  let names = EdgeCases.properties(of: .binaryCrossentropy(), for: .float32Kernels).map(\.name)
  #expect(names.contains("BCE saturates at −log(eps) = 16.118095 for p ≤ eps, y = 1"))
  #expect(names.contains("BCE saturates at −log(2⁻²³) = 15.942385 for p ≥ 1 − eps, y = 0"))
  #expect(names.contains("BCE is −log(1 − 2⁻²³) = 1.1920929e-07 for p ≥ 1 − eps, y = 1"))
  #expect(names.contains { $0.hasPrefix("BCE is −log1p(−eps) = 1.0000000617e-07 for p ≤ eps, y = 0") })
  #expect(names.contains("is finite and agrees with the reference at the clip bounds"))
  #expect(names.contains("is finite and agrees with the reference on subnormal inputs"))
  let logits = EdgeCases.properties(of: .categoricalCrossentropy(fromLogits: true), for: .float32Kernels).map(\.name)
  #expect(logits.contains("is finite and agrees with the reference at logits of ±1e4"))
}

// MARK: - A hand-written BCE, right and wrong

/// Keras's BCE on probabilities in Float with clip bounds [eps, 1 − eps], the log of 1 − p as log1p
/// (the project's semantics) or as log(1 − p); reduced by the MAE kernel on the per-sample values.
private func handBCE(epsilon: Float, log1pForNegatives: Bool) -> Candidate {
  Candidate(name: "hand BCE eps \(epsilon)") { loss, input in
    guard case .binaryCrossentropy(false, let ls, -1) = loss, input.yTrue.shape == input.yPred.shape,
      let width = input.yPred.shape.last, width > 0
    else {
      throw LossError.invalidOption(name: "loss", value: "\(loss)", expected: "BCE on probabilities, axis −1")
    }
    let t = input.yTrue.scalars.map { ls == 0 ? $0 : $0 * (1 - Float(ls)) + 0.5 * Float(ls) }
    let terms = zip(t, input.yPred.scalars).map { t, p -> Double in
      let c = Double(Swift.min(Swift.max(p, epsilon), 1 - epsilon))
      let negative = log1pForNegatives ? log1p(-c) : log(Double(Float(1 - c)))
      return -(Double(t) * log(c) + Double(1 - t) * negative)
    }
    let samples = stride(from: 0, to: terms.count, by: width).map { start in
      Float(terms[start..<(start + width)].reduce(0, +) / Double(width))
    }
    let shape = Array(input.yPred.shape.dropLast())
    let column = try Tensor(shape: shape + [1], scalars: samples)
    return try Float32Loss.evaluate(
      .meanAbsoluteError, yTrue: column.map { _ in 0 }, yPred: column, sampleWeight: input.sampleWeight,
      reduction: input.reduction)
  }
}

private let bceConstants = [
  "BCE saturates at −log(eps) = 16.118095 for p ≤ eps, y = 1",
  "BCE saturates at −log(2⁻²³) = 15.942385 for p ≥ 1 − eps, y = 0",
  "BCE is −log(1 − 2⁻²³) = 1.1920929e-07 for p ≥ 1 − eps, y = 1",
  "BCE is −log1p(−eps) = 1.0000000617e-07 for p ≤ eps, y = 0 (Keras float32: 1.1920929e-07)",
]

@Test(arguments: [Loss.binaryCrossentropy(), .binaryCrossentropy(labelSmoothing: 0.1)])
func aHandWrittenBCEWithKerasEpsilonMeetsTheConstants(_ loss: Loss) throws {
  let right = handBCE(epsilon: Float(1e-7), log1pForNegatives: true)
  let properties = EdgeCases.constants(of: loss, reductions: right.reductions)
  for name in bceConstants + ["Keras's float32 value BCE(y = [1, 0, 1, 0], p = [0, 1, 1, 0]) = [16.118095, 15.942385, 1.1920929e-07, 1.0000000617e-07]"]
  where loss == .binaryCrossentropy() || !name.hasPrefix("Keras") {
    let result = try #require(CatalogueGroups.outcome(of: name, in: properties, on: right))
    #expect(result.passed, "\(result.report)")
  }
}

@Test func aCandidateWithEpsilon1e8IsCaught() throws {
  let wrong = handBCE(epsilon: 1e-8, log1pForNegatives: true)
  let properties = EdgeCases.constants(of: .binaryCrossentropy(), reductions: wrong.reductions)
  for name in bceConstants.prefix(2) {
    let result = try #require(CatalogueGroups.outcome(of: name, in: properties, on: wrong))
    #expect(!result.passed, "\(name)")
    #expect((result.counterexampleSize ?? .max) <= 2, "\(result.report)")
  }
  // −log(1e-8) = 18.420681, 2.3 more than Keras's 16.118095.
  let got = try wrong(.binaryCrossentropy(), LossInput(yTrue: Tensor([1]), yPred: Tensor([0])))
  #expect(abs(got.scalars[0] - 18.420681) < 1e-5)
}

@Test func aCandidateUsingLogOfOneMinusPIsCaughtAtZero() throws {
  // Keras's own float32 arithmetic: 1.1920929e-07 at (y = 0, p = 0), not the project's 1.0000000617e-07.
  let keras = handBCE(epsilon: Float(1e-7), log1pForNegatives: false)
  let properties = EdgeCases.constants(of: .binaryCrossentropy(), reductions: keras.reductions)
  let result = try #require(CatalogueGroups.outcome(of: bceConstants[3], in: properties, on: keras))
  #expect(!result.passed)
  let saturation = try #require(CatalogueGroups.outcome(of: bceConstants[0], in: properties, on: keras))
  #expect(saturation.passed, "\(saturation.report)")
}

@Test func aKernelThatDoesNotClipTheLogitPathIsCaught() throws {
  // BCE from logits through σ and the clipped probability path (Keras's NumPy backend) saturates at
  // 16.118095 instead of |x|.
  let loss = Loss.binaryCrossentropy(fromLogits: true)
  let saturating = Candidate(name: "sigmoid then clip") { _, input in
    let p = input.yPred.map { 1 / (1 + exp(-$0)) }
    return try handBCE(epsilon: Float(1e-7), log1pForNegatives: true)(
      .binaryCrossentropy(), LossInput(yTrue: input.yTrue, yPred: p, sampleWeight: input.sampleWeight, reduction: input.reduction))
  }
  let property = try #require(EdgeCases.constants(of: loss, reductions: saturating.reductions).first)
  #expect(!property.check(saturating, configuration: CatalogueGroups.configuration).passed)
}

@Test func anAllZeroRowMustBeNaNForCategoricalCrossentropy() throws {
  let loss = Loss.categoricalCrossentropy()
  let finite = Candidate(name: "zero rows give 0") { loss, input in
    let rows = input.yPred.shape.last ?? 1
    var p = input.yPred
    for start in stride(from: 0, to: p.count, by: rows) where p.scalars[start..<(start + rows)].allSatisfy({ $0 == 0 }) {
      for i in start..<(start + rows) { p.scalars[i] = 1 }
    }
    return try CatalogueGroups.referenceValue(loss, LossInput(yTrue: input.yTrue, yPred: p, reduction: input.reduction))
  }
  let properties = EdgeCases.constants(of: loss, reductions: finite.reductions)
  let result = try #require(CatalogueGroups.outcome(of: "CCE of an all-zero prediction row is NaN, as in Keras", in: properties, on: finite))
  #expect(!result.passed)
  let saturation = try #require(
    CatalogueGroups.outcome(of: "CCE saturates at −log(eps) = 16.118095 for p = 0 on the true class", in: properties, on: finite))
  #expect(saturation.passed, "\(saturation.report)")
}

@Test(arguments: LossName.allCases)
func theEdgePropertiesHoldForTheReferenceRoundedToFloat(_ name: LossName) {
  // The reference is the ground truth: rounded to Float, it meets every constant and edge bound.
  let reference = CatalogueGroups.reference
  for loss in Catalogue.configurations(of: name) {
    CatalogueGroups.expectAllHold(
      EdgeCases.properties(of: loss, for: reference), reference, loss, configuration: CatalogueGroups.referenceConfiguration)
  }
}
