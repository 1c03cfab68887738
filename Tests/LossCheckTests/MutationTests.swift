import Foundation
import LossCheck
import LossCore
import PropertyCheck
import Testing

/// The mutation self-test of the verification suite: `verify` must catch every deliberately broken
/// kernel of `Mutants/` within its default budget, with a small shrunk counterexample, and must
/// pass both the same kernels with the bug removed and the module's own Float32 kernels.
///
/// Every run uses a fixed seed and no regression store, so the test is deterministic and writes no
/// file. Each run happens in an exit test (a child process): broken kernels return ∞ and NaN on
/// purpose, and if `verify` traps on one, that is a failure of this mutant, not the end of the
/// whole test run. The child's expectations are reported here and its summary line printed; when
/// it traps, it runs once more with its standard error observed, to report the fatal error.
@Suite struct MutationTests {
  /// verify catches the mutant at the default budget (300 cases per property), and the first
  /// failing property's shrunk counterexample has at most `counterexampleBound` scalars.
  @Test(arguments: Mutant.all)
  func verifyCatchesTheMutant(_ mutant: Mutant) async {
    let name = mutant.name
    let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
      [name = name as String] in MutationTests.expectCaught(Mutant.named(name))
    }
    guard let result else {
      let crash = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        [name = name as String] in MutationTests.expectCaught(Mutant.named(name))
      }
      return recordTrap(crash, "verify on the mutant \(name)")
    }
    printOutput(result)
  }

  /// The same kernel with only the bug removed passes (100 cases per property): the mutant fails
  /// for its bug and not for an inaccuracy of the kernel around it.
  @Test(arguments: Mutant.all)
  func verifyPassesTheFixedKernel(_ mutant: Mutant) async {
    let name = mutant.name
    let result = await #expect(processExitsWith: .success) {
      [name = name as String] in MutationTests.expectFixedPasses(Mutant.named(name))
    }
    guard result != nil else {
      let crash = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        [name = name as String] in MutationTests.expectFixedPasses(Mutant.named(name))
      }
      return recordTrap(crash, "verify on the fixed twin of \(name)")
    }
  }

  /// The sanity control: the module's own kernels pass every configuration the mutants use.
  @Test(arguments: MutationTests.configurations.indices)
  func verifyPassesTheFloat32Kernels(_ index: Int) async {
    let result = await #expect(processExitsWith: .success) {
      [index = index as Int] in MutationTests.expectFloat32KernelsPass(MutationTests.configurations[index])
    }
    guard result != nil else {
      let crash = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        [index = index as Int] in MutationTests.expectFloat32KernelsPass(MutationTests.configurations[index])
      }
      return recordTrap(crash, "verify on Float32Loss for \(MutationTests.configurations[index])")
    }
  }

  /// The losses and options the mutants implement, once each.
  static let configurations: [Loss] = Mutant.all.reduce(into: []) { losses, mutant in
    if !losses.contains(mutant.loss) { losses.append(mutant.loss) }
  }

  /// The checks of one mutant, run in the child process.
  static func expectCaught(_ mutant: Mutant) {
    let report = verify(mutant.loss, candidate: mutant.candidate, budget: .default, seed: Mutant.seed, regressions: nil)
    print(summary(of: mutant, report))
    switch mutant.expectation {
    case .caught:
      #expect(!report.passed, "verify passed the mutant \(mutant.name): \(mutant.bug)")
      guard let first = report.failures.first else { return }
      guard var size = first.counterexampleSize else {
        Issue.record("\(mutant.name): the failure of \(first.name) has no counterexample size")
        return
      }
      var shrunk = first.report
      if size > mutant.counterexampleBound, let again = reshrink(mutant, property: first.name) {
        // verify stops shrinking after 30 s of wall-clock time, which a loaded machine can reach
        // with a large counterexample left. The same property from the same seed, with only the
        // evaluation limit (20 000 replays) on shrinking, gives a size that does not depend on load.
        print("\(mutant.name): \(first.name) shrank to \(size) scalars in verify; without the time limit: "
          + "\(again.counterexampleSize.map(String.init) ?? "?")")
        size = again.counterexampleSize ?? size
        shrunk = again.report
      }
      #expect(
        size <= mutant.counterexampleBound,
        "\(mutant.name): \(first.name) shrank to \(size) scalars, more than \(mutant.counterexampleBound)\n\(shrunk)")
    case .equivalent(let why):
      #expect(report.passed, "\(mutant.name) is an equivalent mutant (\(why)), yet verify failed it:\n\(report)")
    case .missed(let property):
      withKnownIssue("verify does not catch \(mutant.name) yet; it needs \(property)") {
        #expect(!report.passed, "verify passed the mutant \(mutant.name): \(mutant.bug)")
      }
    }
  }

  /// `property` of the mutant's loss checked again from the same seed, shrinking without verify's
  /// 30-second wall-clock limit.
  static func reshrink(_ mutant: Mutant, property name: String) -> PropertyOutcome? {
    guard let property = Catalogue.properties(of: mutant.loss, for: mutant.candidate).first(where: { $0.name == name })
    else { return nil }
    let configuration = CheckConfiguration(
      maxCases: VerificationBudget.default.casesPerProperty, seed: Mutant.seed, shrinkTimeLimit: .seconds(3600),
      regressions: nil)
    return property.check(mutant.candidate, configuration: configuration)
  }

  /// The fixed twin's check, run in the child process, at a third of the default budget: the twins
  /// are a sanity check of the mutants' kernels, and every property runs all its cases on them.
  static func expectFixedPasses(_ mutant: Mutant) {
    let report = verify(
      mutant.loss, candidate: mutant.fixed, budget: VerificationBudget(casesPerProperty: 100), seed: Mutant.seed,
      regressions: nil)
    #expect(report.passed, "the fixed twin of \(mutant.name) fails:\n\(report)")
  }

  /// The control's check, run in the child process.
  static func expectFloat32KernelsPass(_ loss: Loss) {
    let report = verify(loss, candidate: .float32Kernels, budget: .default, seed: Mutant.seed, regressions: nil)
    #expect(report.passed, "Float32Loss fails \(loss):\n\(report)")
  }

  /// One line per mutant: the failing properties and the size of the first shrunk counterexample.
  static func summary(of mutant: Mutant, _ report: VerificationReport) -> String {
    guard let first = report.failures.first else {
      return "mutant \(mutant.name) [\(mutant.loss)]: not caught (\(report.casesRun) cases)"
    }
    let failing = report.failures.map(\.name).joined(separator: "; ")
    return "mutant \(mutant.name) [\(mutant.loss)]: caught by \(failing); first counterexample "
      + "\(first.counterexampleSize.map(String.init) ?? "?") scalars:\n\(first.counterexample ?? "")"
  }
}

/// Prints what an exit test's child printed.
private func printOutput(_ result: ExitTest.Result) {
  let output = String(decoding: result.standardOutputContent, as: UTF8.self)
  if !output.isEmpty { print(output, terminator: output.hasSuffix("\n") ? "" : "\n") }
}

/// Records the fatal-error line of a child that trapped (the failed exit expectation is already
/// recorded; this says why).
private func recordTrap(_ result: ExitTest.Result?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let errors = result.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
  let fatal = errors.split(separator: "\n").first { $0.contains("Fatal error") || $0.contains("fatal error") }
  Issue.record(
    "\(what) trapped: \(fatal.map(String.init) ?? "no fatal-error line (\(result.map { "\($0.exitStatus)" } ?? "no exit status"))")",
    sourceLocation: sourceLocation)
}

/// The seed of the README example's failure (here, because `VerifyExampleTests.swift` imports only
/// what the README's snippet imports, and `Seed` is PropertyCheck's).
enum VerifyExample {
  static let seed = Seed(0x5EED)
}

/// The smallest budget that still kills each mutant: verify at 300, 100, 30, 10, 3 and 1 cases
/// per property with the same seed. Slow (every mutant at every budget), so it runs only when
/// `LOSSCHECK_MUTATION_BUDGETS` is set; it prints a table and checks nothing the main test does not.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["LOSSCHECK_MUTATION_BUDGETS"] != nil))
struct MutationBudgetTable {
  static let budgets = [300, 100, 30, 10, 3, 1]

  @Test func smallestKillingBudgets() {
    let mutants = Mutant.all.filter { if case .equivalent = $0.expectation { false } else { true } }
    var lines = ["| mutant | loss | caught at 300 by | shrunk size | smallest killing budget |", "|---|---|---|---|---|"]
    var killed = 0
    for mutant in mutants {
      var atDefault: VerificationReport?
      var killing = [Int]()
      for budget in Self.budgets {
        let report = verify(
          mutant.loss, candidate: mutant.candidate, budget: VerificationBudget(casesPerProperty: budget),
          seed: Mutant.seed, regressions: nil)
        if budget == 300 { atDefault = report }
        if !report.passed { killing.append(budget) }
      }
      let smallest = killing.min()
      let first = atDefault?.failures.first
      if first != nil { killed += 1 }
      lines.append(
        "| \(mutant.name) | \(mutant.loss) | \(first?.name ?? "—") | "
          + "\(first?.counterexampleSize.map(String.init) ?? "—") | \(smallest.map(String.init) ?? "not killed") "
          + "(killed at \(killing.map(String.init).joined(separator: ", "))) |")
    }
    lines.append("")
    lines.append("killed \(killed) of \(mutants.count) non-equivalent mutants at the default budget")
    print(lines.joined(separator: "\n"))
  }
}
