/// The outcome of checking one property: passed, failed with a shrunk counterexample, or
/// stopped by the filter health check.
public struct CheckReport<Value>: CustomStringConvertible {
  /// How a check ended.
  public enum Outcome {
    /// Every case held.
    case passed
    /// A case failed; the failure holds the original and the shrunk counterexample.
    case failed(CheckFailure<Value>)
    /// Too many cases were discarded by filters; the message says how many and what to do.
    case healthCheckFailed(String)
  }

  /// The property's name.
  public let propertyName: String
  /// The run seed; `LOSSCHECK_SEED=<seed>` replays the run.
  public let seed: Seed
  /// Cases whose property was evaluated (regression replays included).
  public let casesRun: Int
  /// Cases discarded by filters or by the choice limit.
  public let casesDiscarded: Int
  /// How the check ended.
  public let outcome: Outcome

  /// The failure, if the property failed.
  public var failure: CheckFailure<Value>? {
    if case .failed(let failure) = outcome { return failure }
    return nil
  }

  /// Whether every case held and the health check passed.
  public var passed: Bool {
    if case .passed = outcome { return true }
    return false
  }

  /// A human-readable report: what failed, where, and how to replay it.
  public var description: String {
    switch outcome {
    case .passed:
      return "Property \"\(propertyName)\" passed \(casesRun) cases (seed \(seed), \(casesDiscarded) discarded)."
    case .healthCheckFailed(let message):
      return "Property \"\(propertyName)\" failed a health check (seed \(seed)): \(message)"
    case .failed(let failure):
      let origin = failure.caseNumber.map { "case \($0) of seed \(seed)" } ?? "a stored regression"
      var lines = [
        "Property \"\(propertyName)\" failed at \(origin): \(failure.message)",
        "Original counterexample:",
        indented(failure.original),
        "Shrunk counterexample (\(failure.shrinkSteps) shrink steps):",
        indented(failure.shrunk),
      ]
      if failure.caseNumber != nil { lines.append("Replay: \(Seed.environmentVariable)=\(seed)") }
      if let note = failure.regressionNote { lines.append(note) }
      return lines.joined(separator: "\n")
    }
  }
}

/// The value's description with every line indented by two spaces, so multi-line values (several
/// tensors, one per line) stay readable under their heading.
private func indented(_ value: Any) -> String {
  String(describing: value).split(separator: "\n", omittingEmptySubsequences: false)
    .map { "  " + $0 }.joined(separator: "\n")
}

/// A failing case: the counterexample as first found and as shrunk.
public struct CheckFailure<Value> {
  /// The 1-based number of the failing case in the run, or nil when a stored regression failed.
  public let caseNumber: Int?
  /// The counterexample as generated.
  public let original: Value
  /// The counterexample after shrinking.
  public let shrunk: Value
  /// Why the shrunk counterexample fails: "returned false", the property's message, or the error.
  public let message: String
  /// Improvements the shrinker accepted.
  public let shrinkSteps: Int
  /// The shrunk counterexample's choice sequence.
  public let choices: [UInt64]
  /// The size parameter of the failing case.
  public let size: Int
  /// Where the failure was saved, or why it could not be; nil when no store is configured.
  public let regressionNote: String?
}
