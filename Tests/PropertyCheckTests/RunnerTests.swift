import Foundation
import PropertyCheck
import Testing

@Suite struct RunnerTests {
  struct Overflow: Error {}

  /// A fresh regression store in a temporary directory.
  func temporaryStore() -> RegressionStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pc-\(UUID().uuidString)")
    return RegressionStore(path: directory.appendingPathComponent("nested/regressions.tsv").path)
  }

  @Test func aFailureReportNamesEverythingNeededToReplayIt() throws {
    let configuration = CheckConfiguration(seed: Seed(0xABC), regressions: nil)
    let report = checkProperty("all small", Gen.int(in: 0...1000).array(count: 0...10), configuration: configuration) {
      xs in xs.allSatisfy { $0 < 100 }
    }
    let failure = try #require(report.failure)
    #expect(failure.shrunk == [100])
    #expect(failure.shrinkSteps > 0)
    let caseNumber = try #require(failure.caseNumber)
    #expect(report.casesRun == caseNumber)
    let text = report.description
    #expect(text.hasPrefix("Property \"all small\" failed at case \(caseNumber) of seed 0000000000000ABC: returned false"))
    #expect(text.contains("Original counterexample:\n  \(failure.original)"))
    #expect(text.contains("Shrunk counterexample (\(failure.shrinkSteps) shrink steps):\n  [100]"))
    #expect(text.contains("Replay: LOSSCHECK_SEED=0000000000000ABC"))
  }

  @Test func thePrintedSeedReplaysTheSameFailure() throws {
    let gen = Gen.double(in: -100...100).array(count: 0...16)
    let property: ([Double]) -> Bool = { xs in xs.reduce(0, +) < 150 }
    let first = checkProperty("replay", gen, configuration: .init(seed: Seed.random(), regressions: nil), property)
    let printed = try #require(first.description.split(separator: "=").last.map(String.init))
    let second = checkProperty("replay", gen, configuration: .init(seed: Seed(printed), regressions: nil), property)
    #expect(first.failure?.original == second.failure?.original)
    #expect(first.failure?.shrunk == second.failure?.shrunk)
    #expect(first.failure?.caseNumber == second.failure?.caseNumber)
  }

  @Test func aPassingPropertyRunsItsWholeBudget() {
    let configuration = CheckConfiguration(maxCases: 300, seed: Seed(1), regressions: nil)
    let report = checkProperty("abs", Gen.int(in: -1000...1000), configuration: configuration) { abs($0) >= 0 }
    #expect(report.passed)
    #expect(report.casesRun == 300)
    #expect(report.description == "Property \"abs\" passed 300 cases (seed 0000000000000001, 0 discarded).")
  }

  /// With no case limit the run ends only through its time limit. How many cases fit in 50 ms
  /// depends on the machine's load (CI ran fewer than 100 while the mutation tests held both
  /// cores), so the test asks for at least one, and for an end well inside 100 times the limit.
  @Test func aTimeBudgetStopsAnEndlessRun() {
    let configuration = CheckConfiguration(maxCases: .max, timeLimit: .milliseconds(50), seed: Seed(1), regressions: nil)
    let start = ContinuousClock.now
    let report = checkProperty("timed", Gen.int(in: 0...9), configuration: configuration) { _ in true }
    #expect(report.passed && report.casesRun >= 1)
    #expect(ContinuousClock.now - start < .seconds(5))
  }

  @Test func thrownErrorsAndMessagesFailTheProperty() {
    let configuration = CheckConfiguration(seed: Seed(2), regressions: nil)
    let thrown = checkProperty("throws", Gen.int(in: 0...1000), configuration: configuration) { x -> Bool in
      if x > 10 { throw Overflow() }
      return true
    }
    #expect(thrown.failure?.shrunk == 11)
    #expect(thrown.failure?.message == "threw Overflow()")

    let message = checkProperty("message", Gen.int(in: 0...1000), configuration: configuration) { x -> String? in
      x > 20 ? "\(x) is over 20" : nil
    }
    #expect(message.failure?.shrunk == 21)
    #expect(message.failure?.message == "21 is over 20")
  }

  @Test func theFilterHealthCheckFailsLoudly() {
    let rare = Gen.int(in: 0...1000).filter { $0 == 7 }
    let report = checkProperty("rare", rare, configuration: .init(seed: Seed(3), regressions: nil)) { _ in true }
    guard case .healthCheckFailed(let message) = report.outcome else {
      Issue.record("expected a health-check failure, got \(report)")
      return
    }
    #expect(!report.passed)
    #expect(message.contains("cases were discarded"))
    #expect(report.description.contains("failed a health check"))
    #expect(report.casesDiscarded >= 50 && report.casesDiscarded > report.casesRun)
  }

  @Test func failuresAreSavedAndReplayedFirst() throws {
    let store = temporaryStore()
    let gen = Gen.int(in: 0...100_000)
    let property: (Int) -> Bool = { $0 < 5000 }
    let first = checkProperty("stored", gen, configuration: .init(seed: Seed(4), regressions: store), property)
    #expect(first.failure?.shrunk == 5000)
    #expect(first.failure?.regressionNote == "Saved to \(store.path); replayed first on the next run.")
    let entries = store.entries(for: "stored")
    #expect(entries.count == 1)
    #expect(entries.first?.choices == first.failure?.choices)
    let text = try String(contentsOfFile: store.path, encoding: .utf8)
    #expect(text.contains("stored\t"))

    // No generated cases at all: only the stored regression can find the failure.
    let replay = checkProperty("stored", gen, configuration: .init(maxCases: 0, seed: Seed(5), regressions: store), property)
    #expect(replay.failure?.caseNumber == nil)
    #expect(replay.failure?.shrunk == 5000)
    #expect(replay.description.contains("failed at a stored regression"))
    #expect(!replay.description.contains("LOSSCHECK_SEED"))
    #expect(store.entries(for: "stored").count == 1)

    let other = checkProperty("other", gen, configuration: .init(maxCases: 0, seed: Seed(5), regressions: store), property)
    #expect(other.passed)

    let fixed = checkProperty("stored", gen, configuration: .init(maxCases: 0, regressions: store)) { $0 < 1_000_000 }
    #expect(fixed.passed && fixed.casesRun == 1)
    try FileManager.default.removeItem(atPath: (store.path as NSString).deletingLastPathComponent)
  }

  @Test func assertPropertyRecordsAnIssueAtTheCallersLine() {
    let line = #line + 3
    withKnownIssue {
      let configuration = CheckConfiguration(seed: Seed(6), regressions: nil)
      assertProperty("small", Gen.int(in: 0...100), configuration: configuration) { $0 < 50 }
    } matching: { issue in
      issue.sourceLocation?.line == line && issue.sourceLocation?.fileName == "RunnerTests.swift"
        && "\(issue)".contains("Property \"small\" failed")
    }
  }

  @Test func assertPropertyRecordsNothingWhenThePropertyHolds() {
    let report = assertProperty("holds", Gen.int(in: 0...100), configuration: .init(seed: Seed(7), regressions: nil)) {
      $0 <= 100
    }
    #expect(report.passed)
  }
}
