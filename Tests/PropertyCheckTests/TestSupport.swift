import PropertyCheck
import Testing

/// Checks a property that must fail, with no regression store, and returns its failure.
///
/// Records an issue (and returns nil) when the property unexpectedly passes.
func expectFailure<Value>(
  _ gen: Gen<Value>, seed: UInt64 = 1, maxCases: Int = 2000,
  sourceLocation: SourceLocation = #_sourceLocation,
  _ property: (Value) throws -> Bool
) -> CheckFailure<Value>? {
  let configuration = CheckConfiguration(maxCases: maxCases, seed: Seed(seed), regressions: nil)
  let report = checkProperty("expected failure", gen, configuration: configuration, property)
  guard let failure = report.failure else {
    Issue.record("expected a failure, got: \(report)", sourceLocation: sourceLocation)
    return nil
  }
  return failure
}

/// Every Int, for the challenges stated over unbounded integers.
let anyInt = Gen<Int>.integer(in: .min ... .max)
