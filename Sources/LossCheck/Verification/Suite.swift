import LossCore
import PropertyCheck

/// The whole verification suite: every configuration of every loss, checked on one candidate.
public enum Suite {
  /// The suite's result for one loss (all its configurations).
  public struct Row: Sendable {
    /// The loss.
    public let name: LossName
    /// One report per configuration.
    public let reports: [VerificationReport]

    /// Cases run over every property and configuration.
    public var casesRun: Int { reports.reduce(0) { $0 + $1.casesRun } }
    /// The number of properties checked (over every configuration).
    public var propertyCount: Int { reports.reduce(0) { $0 + $1.outcomes.count } }
    /// The largest error of the loss value seen, in ULPs (well-conditioned results).
    public var largestError: Double? { reports.compactMap(\.largestError).max() }
    /// The largest error of the gradient seen, in ULPs (well-conditioned elements).
    public var largestGradientError: Double? { reports.compactMap(\.largestGradientError).max() }
    /// Whether every property of every configuration held.
    public var passed: Bool { reports.allSatisfy(\.passed) }
  }

  /// How long the suite runs: a case count per property, or a total time shared by all properties.
  public enum Budget: Sendable {
    /// This many cases for every property.
    case cases(Int)
    /// About this many seconds in all, split evenly between the properties.
    case seconds(Double)
  }

  /// Runs every configuration of `losses` on `candidate`.
  ///
  /// - Parameter progress: called before each configuration with its index, the total and the loss.
  public static func run(
    _ losses: [LossName] = LossName.allCases, candidate: Candidate = .float32Kernels, budget: Budget,
    seed: Seed, regressions: RegressionStore? = RegressionStore.default,
    progress: (Int, Int, Loss) -> Void = { _, _, _ in }
  ) -> [Row] {
    let configurations = losses.map { ($0, Catalogue.configurations(of: $0)) }
    let total = configurations.reduce(0) { $0 + $1.1.count }
    let propertyCount = configurations.reduce(0) { count, entry in
      count + entry.1.reduce(0) { $0 + Catalogue.properties(of: $1, for: candidate).count }
    }
    let perProperty: VerificationBudget
    switch budget {
    case .cases(let cases):
      perProperty = VerificationBudget(casesPerProperty: cases)
    case .seconds(let seconds):
      let share = seconds / Double(Swift.max(propertyCount, 1))
      perProperty = VerificationBudget(
        casesPerProperty: .max, timeLimitPerProperty: .milliseconds(Int64(Swift.max(share, 0.001) * 1000)))
    }
    var index = 0
    return configurations.map { name, losses in
      Row(
        name: name,
        reports: losses.map { loss in
          progress(index, total, loss)
          index += 1
          return verify(loss, candidate: candidate, budget: perProperty, seed: seed, regressions: regressions)
        })
    }
  }
}
