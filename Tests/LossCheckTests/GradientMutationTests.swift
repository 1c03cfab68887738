import LossCheck
import LossCore
import PropertyCheck
import Testing

/// The gradient half of the mutation self-test: `verify` must catch every broken gradient kernel of
/// `Mutants/GradientMutants.swift` within its default budget, by a gradient property, with a shrunk
/// counterexample no larger than 4 scalars where the bug allows it, and must pass the same kernels
/// with the bug removed. Fixed seed, no regression store: deterministic, and no file is written.
@Suite struct GradientMutationTests {
  /// verify catches the mutant at the default budget; one of the properties named for it fails, and
  /// the smallest shrunk counterexample among the failures is at most max(4, the smallest possible).
  /// Prints the catching properties, the counterexample size and the smallest killing budget: the
  /// fewest cases per property at which the fixed seed catches it (the first failing case number).
  @Test(arguments: GradientMutant.all)
  func verifyCatchesTheGradientMutant(_ mutant: GradientMutant) {
    let report = verify(
      mutant.loss, candidate: mutant.candidate, budget: .default, seed: GradientMutant.seed, regressions: nil)
    #expect(!report.passed, "\(mutant.name): verify passed the broken gradient kernel")
    let failures = report.failures
    let names = failures.map(\.name)
    #expect(
      names.contains { mutant.caughtBy.contains($0) },
      "\(mutant.name): caught by \(names), expected one of \(mutant.caughtBy)")
    #expect(
      names.allSatisfy { $0.contains("gradient") },
      "\(mutant.name): a value property failed on a correct value kernel: \(names)")
    let sizes = failures.compactMap(\.counterexampleSize)
    let smallest = sizes.min() ?? .max
    #expect(smallest <= max(4, mutant.smallestCounterexample), "\(mutant.name): counterexample sizes \(sizes)")
    // The first failing case of a property is its casesRun (no regressions, no discards here).
    let killing = failures.map(\.casesRun).min() ?? 0
    print(
      "gradient mutant \(mutant.name): caught by \(names.joined(separator: "; ")); "
        + "smallest counterexample \(smallest) scalars; smallest killing budget \(killing) case(s) per property")
  }

  /// The same kernel with only the bug removed passes every property (100 cases per property).
  @Test(arguments: GradientMutant.all)
  func verifyPassesTheFixedKernel(_ mutant: GradientMutant) {
    let report = verify(
      mutant.loss, candidate: mutant.fixed, budget: VerificationBudget(casesPerProperty: 100),
      seed: GradientMutant.seed, regressions: nil)
    #expect(report.passed, "\(report)")
  }
}
