import LossCheck
import LossCore
import Testing

private struct Rejected: Error {}

private func valueCase(
  id: String = "case", expected: [Double], shape: [Int]? = nil, tolerance: Tolerance = Tolerance(absolute: 0, relative: 1e-5)
) throws -> ConformanceCase {
  ConformanceCase(
    id: id, loss: .meanSquaredError, reduction: .none, dtype: .float64,
    yTrue: Tensor([0]), yPred: Tensor([0]),
    expected: .value(try Tensor(shape: shape ?? [expected.count], scalars: expected)), tolerance: tolerance)
}

private func constant(_ scalars: [Double], shape: [Int]? = nil) -> ConformanceEvaluator {
  ConformanceEvaluator(name: "constant") { _ in try Tensor(shape: shape ?? [scalars.count], scalars: scalars) }
}

private let throwing = ConformanceEvaluator(name: "throwing") { _ in throw Rejected() }

// MARK: The tolerance rule

@Test func toleranceRuleFromHandExamples() {
  let tolerance = Tolerance(absolute: 1e-6, relative: 1e-5)
  // Allowed deviation at 2.0: 1e-6 + 2e-5 = 2.1e-5.
  #expect(tolerance.accepts(2.00002, expected: 2))
  #expect(tolerance.accepts(1.99998, expected: 2))
  #expect(!tolerance.accepts(2.000022, expected: 2))
  // At 0 only the absolute term remains.
  #expect(tolerance.accepts(9e-7, expected: 0))
  #expect(!tolerance.accepts(-1.1e-6, expected: 0))
  // The relative term scales with |expected| for negative values too: 1e-6 + 1e-3 at -100.
  #expect(tolerance.accepts(-100.001, expected: -100))
  #expect(!tolerance.accepts(-100.0011, expected: -100))
  // Exact agreement with a zero tolerance.
  #expect(Tolerance(absolute: 0, relative: 0).accepts(0.1, expected: 0.1))
}

@Test func toleranceRuleForNonFiniteValues() {
  let tolerance = Tolerance(absolute: 1, relative: 1)
  #expect(tolerance.accepts(.nan, expected: .nan))
  #expect(!tolerance.accepts(0, expected: .nan))
  #expect(!tolerance.accepts(.nan, expected: 0))
  #expect(tolerance.accepts(.infinity, expected: .infinity))
  #expect(!tolerance.accepts(-.infinity, expected: .infinity))
  #expect(!tolerance.accepts(.greatestFiniteMagnitude, expected: .infinity))
  #expect(!tolerance.accepts(.infinity, expected: 1e300))
}

@Test func relativeDeviation() {
  #expect(Tolerance.relativeDeviation(2.5, expected: 2) == 0.25)
  #expect(Tolerance.relativeDeviation(-3, expected: -4) == 0.25)
  #expect(Tolerance.relativeDeviation(0, expected: 0) == 0)
  #expect(Tolerance.relativeDeviation(1e-20, expected: 0) == nil)
  #expect(Tolerance.relativeDeviation(.nan, expected: .nan) == 0)
  #expect(Tolerance.relativeDeviation(.nan, expected: 1) == .infinity)
  #expect(Tolerance.relativeDeviation(-.infinity, expected: .infinity) == .infinity)
}

// MARK: Checking cases

@Test func valueCasePassesWithinToleranceAndRecordsDeviation() throws {
  let result = ConformanceRunner.check(try valueCase(expected: [1, 2]), with: constant([1, 2.00001]))
  #expect(result.passed)
  #expect(result.evaluator == "constant")
  #expect(result.loss == .meanSquaredError && result.dtype == .float64)
  #expect(abs(result.maxRelativeDeviation! - 5e-6) < 1e-12)
}

@Test func valueCaseFailsOutsideToleranceOrOnShapeMismatch() throws {
  let testCase = try valueCase(expected: [1, 2])
  #expect(!ConformanceRunner.check(testCase, with: constant([1, 2.1])).passed)
  #expect(!ConformanceRunner.check(testCase, with: constant([1, 2], shape: [2, 1])).passed)
  #expect(!ConformanceRunner.check(testCase, with: constant([1, 2, 3])).passed)
  // A scalar is not a one-element vector.
  let scalarCase = try valueCase(expected: [1], shape: [])
  #expect(ConformanceRunner.check(scalarCase, with: constant([1], shape: [])).passed)
  #expect(!ConformanceRunner.check(scalarCase, with: constant([1])).passed)
}

@Test func valueCaseFailsWhenTheEvaluatorThrows() throws {
  let result = ConformanceRunner.check(try valueCase(expected: [1]), with: throwing)
  #expect(!result.passed)
  #expect(result.outcome == .error("Rejected()"))
  #expect(result.maxRelativeDeviation == nil)
}

@Test func errorCasePassesOnlyWhenTheEvaluatorThrows() {
  let testCase = ConformanceCase(
    id: "e", loss: .meanSquaredError, dtype: .float32, yTrue: Tensor([0]), yPred: Tensor([0, 0]),
    sampleWeight: Tensor([1, 2, 3]), expected: .error("ValueError"), tolerance: nil)
  #expect(ConformanceRunner.check(testCase, with: throwing).passed)
  let returned = ConformanceRunner.check(testCase, with: constant([0]))
  #expect(!returned.passed)
  #expect(returned.failureDescription.contains("expected error ValueError"))
}

@Test func nonFiniteExpectedValuesMatchOnlyThemselves() throws {
  let testCase = try valueCase(expected: [.nan, .infinity])
  #expect(ConformanceRunner.check(testCase, with: constant([.nan, .infinity])).passed)
  #expect(!ConformanceRunner.check(testCase, with: constant([.nan, .greatestFiniteMagnitude])).passed)
  #expect(!ConformanceRunner.check(testCase, with: constant([0, .infinity])).passed)
}

// MARK: Runs and reports

@Test func evaluatorsRunOnlyOnTheirDTypes() throws {
  var float32Case = try valueCase(id: "a", expected: [1])
  float32Case.dtype = .float32
  let float64Case = try valueCase(id: "b", expected: [1])
  let float32Only = ConformanceEvaluator(name: "kernels", dtypes: [.float32]) { _ in Tensor([1]) }
  let runner = ConformanceRunner(evaluators: [constant([1]), float32Only])
  let report = runner.run([float32Case, float64Case])
  #expect(report.results.map { "\($0.id)/\($0.evaluator)" } == ["a/constant", "a/kernels", "b/constant"])
  #expect(report.passedCount == 3 && report.failedCount == 0)
  #expect(report.closingLine == "3 passed, 0 failed")
}

@Test func reportSummarisesMaxDeviationPerLossAndDType() throws {
  let runner = ConformanceRunner(evaluators: [constant([1.5])])
  var float32Case = try valueCase(id: "c", expected: [1])
  float32Case.dtype = .float32
  let report = runner.run([try valueCase(id: "a", expected: [1.25]), try valueCase(id: "b", expected: [2]), float32Case])
  let key64 = ConformanceReport.DeviationKey(evaluator: "constant", loss: .meanSquaredError, dtype: .float64)
  let key32 = ConformanceReport.DeviationKey(evaluator: "constant", loss: .meanSquaredError, dtype: .float32)
  #expect(report.maxRelativeDeviation[key64] == 0.25)
  #expect(report.maxRelativeDeviation[key32] == 0.5)
  #expect(report.failedCount == 3)
  #expect(report.failureDescriptions().count == 3)
  #expect(report.closingLine == "0 passed, 3 failed")
  let table = report.deviationTable()
  #expect(table.contains("mean_squared_error"))
  #expect(table.contains("5.0e-01") && table.contains("2.5e-01"))
}

@Test func jsonSummaryIsParseableAndComplete() throws {
  let runner = ConformanceRunner(evaluators: [constant([1.5])])
  let report = runner.run([try valueCase(id: "a", expected: [1.5]), try valueCase(id: "b", expected: [2])])
  guard case .object(let summary) = try JSONValue(parsing: report.jsonSummary()),
    case .array(let failures)? = summary["failures"], case .object(let failure)? = failures.first,
    case .object(let deviations)? = summary["max_relative_deviation"]
  else {
    Issue.record("unexpected summary: \(report.jsonSummary())")
    return
  }
  #expect(summary["passed"] == .number(1))
  #expect(summary["failed"] == .number(1))
  #expect(failures.count == 1)
  #expect(failure["id"] == .string("b"))
  #expect(failure["got"] == .object(["shape": .array([.number(1)]), "data": .array([.number(1.5)])]))
  #expect(deviations["constant"] == .object(["mean_squared_error": .object(["float64": .number(0.25)])]))
}
