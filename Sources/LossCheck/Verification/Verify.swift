import LossCore
import PropertyCheck

/// How much checking `verify` does: cases per property and an optional time limit per property.
public struct VerificationBudget: Sendable {
  /// Cases generated for each property.
  public var casesPerProperty: Int
  /// A wall-clock limit for each property's generation; nil for none.
  public var timeLimitPerProperty: Duration?

  public init(casesPerProperty: Int = 300, timeLimitPerProperty: Duration? = nil) {
    self.casesPerProperty = casesPerProperty
    self.timeLimitPerProperty = timeLimitPerProperty
  }

  /// 300 cases per property, no time limit.
  public static let `default` = VerificationBudget()
}

/// Checks `candidate` as an implementation of `loss`: agreement with the reference evaluated as
/// float32, the loss's invariants, the reduction laws, the clipping and edge values, and bad input.
///
/// Every property runs from the same `seed` (by default `LOSSCHECK_SEED`, else a random one), so a
/// printed seed replays the run. A failure is shrunk to a small counterexample, saved in
/// `regressions`, and replayed first on the next run.
///
/// - Returns: a report with each property's outcome, the largest agreement error in ULPs, and for
///   failures the shrunk counterexample and the seed.
public func verify(
  _ loss: Loss, candidate: Candidate, budget: VerificationBudget = .default, seed: Seed? = nil,
  regressions: RegressionStore? = RegressionStore.default
) -> VerificationReport {
  let seed = seed ?? Seed.fromEnvironment() ?? Seed.random()
  let configuration = CheckConfiguration(
    maxCases: budget.casesPerProperty, timeLimit: budget.timeLimitPerProperty, seed: seed,
    regressions: regressions)
  let outcomes = Catalogue.properties(of: loss, for: candidate).map { property in
    property.check(candidate, configuration: configuration)
  }
  return VerificationReport(loss: loss, candidate: candidate.name, seed: seed, outcomes: outcomes)
}

/// Runs `verify` and records a test failure (Swift Testing or XCTest) at the caller's location
/// for each property that fails, with its shrunk counterexample and seed.
///
///     @Test func myKernelComputesMSE() {
///       assertVerified(.meanSquaredError, candidate: .tensors(name: "mine") { y, p in mse(y, p) })
///     }
@discardableResult
public func assertVerified(
  _ loss: Loss, candidate: Candidate, budget: VerificationBudget = .default, seed: Seed? = nil,
  regressions: RegressionStore? = RegressionStore.default,
  fileID: String = #fileID, filePath: StaticString = #filePath, line: UInt = #line, column: UInt = #column
) -> VerificationReport {
  let report = verify(loss, candidate: candidate, budget: budget, seed: seed, regressions: regressions)
  if !report.passed {
    recordTestFailure(report.description, fileID: fileID, filePath: filePath, line: line, column: column)
  }
  return report
}

/// What `verify` found.
public struct VerificationReport: Sendable, CustomStringConvertible {
  /// The loss and options checked.
  public let loss: Loss
  /// The candidate's name.
  public let candidate: String
  /// The seed every property ran from.
  public let seed: Seed
  /// One outcome per property, in catalogue order.
  public let outcomes: [PropertyOutcome]

  /// Whether every property held.
  public var passed: Bool { outcomes.allSatisfy(\.passed) }

  /// The properties that failed.
  public var failures: [PropertyOutcome] { outcomes.filter { !$0.passed } }

  /// The largest error of the loss value against the reference seen by any property, in ULPs.
  public var largestError: Double? { largestError(of: .value) }

  /// The largest error of the gradient against the reference gradient, in ULPs.
  public var largestGradientError: Double? { largestError(of: .gradient) }

  private func largestError(of quantity: MeasuredQuantity) -> Double? {
    outcomes.filter { $0.measuredQuantity == quantity }.compactMap(\.largestError).max()
  }

  /// The total number of cases run.
  public var casesRun: Int { outcomes.reduce(0) { $0 + $1.casesRun } }

  /// A line per property, then the full report of each failure.
  public var description: String {
    var lines = ["verify \(loss) with \(candidate) (seed \(seed)): \(passed ? "passed" : "FAILED")"]
    for outcome in outcomes {
      let error = outcome.largestError.map { ", largest error \(Agreement.formatted($0)) ULP" } ?? ""
      lines.append("  \(outcome.passed ? "pass" : "FAIL")  \(outcome.name) (\(outcome.casesRun) cases\(error))")
    }
    for failure in failures {
      lines.append("")
      lines.append(failure.report)
    }
    return lines.joined(separator: "\n")
  }
}
