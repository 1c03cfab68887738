#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import LossCore

/// A bug the fuzzers found that is reported and not yet fixed: its findings are not reported by
/// `FuzzCheck.run` (so the fuzzers and CI go on finding new bugs), and a regression test in
/// `Tests/LossCheckTests/FuzzRegressionTests.swift` keeps it visible with `withKnownIssue`.
///
/// When the fix lands, that test's known issue stops occurring and the test fails: delete the
/// entry here and the `withKnownIssue` there. Set `LOSSCHECK_FUZZ_STRICT=1` to report every
/// finding, known or not.
public struct FuzzKnownIssue: Sendable {
  /// A short name, e.g. `categorical-hinge-infinite-negative`.
  public let id: String
  /// What is wrong, where, and the smallest input known.
  public let summary: String
  /// Whether a finding is this issue.
  let matches: @Sendable (FuzzFinding) -> Bool

  /// The open issues.
  public static let all: [FuzzKnownIssue] = []

  /// The known issue `finding` is, if any.
  public static func matching(_ finding: FuzzFinding) -> FuzzKnownIssue? {
    all.first { $0.matches(finding) }
  }

  /// Whether `LOSSCHECK_FUZZ_STRICT` is set to 1: report known issues too.
  public static let isStrict: Bool = {
    guard let value = getenv("LOSSCHECK_FUZZ_STRICT") else { return false }
    return String(cString: value) == "1"
  }()
}
