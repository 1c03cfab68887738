import LossCheck
import LossCore
import Testing

// The gradient side of the conformance runner: gradient evaluators, their checks and their report.

private func gradientCase(
  id: String = "g", dtype: DType = .float64, gradient: [Double]?, tolerance: Tolerance = Tolerance(absolute: 0, relative: 1e-6)
) throws -> ConformanceCase {
  ConformanceCase(
    id: id, loss: .meanSquaredError, reduction: .sum, dtype: dtype,
    yTrue: Tensor([1, 2]), yPred: Tensor([2, 4]),
    expected: .value(Tensor(scalar: 2.5)), tolerance: Tolerance(absolute: 0, relative: 1e-12),
    expectedGradient: gradient.map { Tensor($0) }, gradientTolerance: gradient == nil ? nil : tolerance)
}

private func constantGradient(_ scalars: [Double], dtypes: Set<DType> = Set(DType.allCases)) -> ConformanceEvaluator {
  ConformanceEvaluator(name: "constant", dtypes: dtypes, quantity: .gradient) { _ in Tensor(scalars) }
}

/// Every shipped JAX gradient vector passes through `Reference.gradient`, as float32 for float32
/// cases and as float64 for float64 cases; so do their values.
@Test func shippedGradientVectorsPass() throws {
  let cases = try ConformanceCase.load(contentsOf: ShippedVectors.gradientsPath)
  #expect(cases.count == 620)
  let report = ConformanceRunner().run(cases)
  for failure in report.failures.prefix(20) {
    Issue.record(Comment(rawValue: failure.failureDescription))
  }
  #expect(report.passedCount(of: .gradient) == 620, "\(report.quantityLines)")
  #expect(report.passedCount(of: .value) == 620, "\(report.quantityLines)")
  #expect(report.closingLine == "1240 passed, 0 failed")
  // Every loss has gradient cases in both dtypes, so the gradient table has no empty cell.
  for loss in LossName.allCases {
    for dtype in DType.allCases {
      let key = ConformanceReport.DeviationKey(evaluator: "reference", loss: loss, dtype: dtype, quantity: .gradient)
      #expect(report.maxRelativeDeviation[key] != nil, "\(loss) \(dtype)")
    }
  }
}

@Test func gradientEvaluatorRunsOnlyOnCasesWithAGradient() throws {
  let runner = ConformanceRunner(evaluators: [.reference, constantGradient([2, 4])])
  let report = runner.run([try gradientCase(id: "with", gradient: [2, 4]), try gradientCase(id: "without", gradient: nil)])
  #expect(report.results.map { "\($0.id)/\($0.quantity)" } == ["with/value", "with/gradient", "without/value"])
  #expect(report.allPassed)
  #expect(report.quantityLines == ["values: 2 passed, 0 failed", "gradients: 1 passed, 0 failed"])
  #expect(report.closingLine == "3 passed, 0 failed")
}

@Test func gradientIsHeldToTheGradientTolerance() throws {
  let testCase = try gradientCase(gradient: [2, 4], tolerance: Tolerance(absolute: 1e-3, relative: 0))
  #expect(ConformanceRunner.check(testCase, with: constantGradient([2.0009, 4])).passed)
  let failed = ConformanceRunner.check(testCase, with: constantGradient([2.0011, 4]))
  #expect(!failed.passed)
  #expect(failed.quantity == .gradient)
  #expect(failed.tolerance == Tolerance(absolute: 1e-3, relative: 0))
  #expect(failed.failureDescription.hasPrefix("FAIL g [constant gradient]"))
  // A shape other than y_pred's fails, as does a thrown error.
  #expect(!ConformanceRunner.check(testCase, with: constantGradient([2, 4, 0])).passed)
  let throwing = ConformanceEvaluator(name: "t", quantity: .gradient) { _ in throw LossError.invalidShape(argument: "y_pred", shape: [], reason: "") }
  #expect(!ConformanceRunner.check(testCase, with: throwing).passed)
  // A gradient check of a case without a gradient has nothing to agree with.
  #expect(!ConformanceRunner.check(try gradientCase(gradient: nil), with: throwing).passed)
}

@Test func referenceGradientEvaluatorMatchesAHandDerivedGradient() throws {
  // sum of (y − p)² over one row, mean over 2: ∂/∂p = (p − y) = [1, 2].
  let testCase = try gradientCase(gradient: [1, 2], tolerance: Tolerance(absolute: 0, relative: 1e-15))
  let result = ConformanceRunner.check(testCase, with: .referenceGradient)
  #expect(result.passed, "\(result.failureDescription)")
  #expect(ConformanceEvaluator.referenceGradient.quantity == .gradient)
  #expect(ConformanceEvaluator.reference.quantity == .value)
}

/// A Float32 gradient kernel is one more evaluator: it runs on float32 cases only and gets its own
/// rows in the report.
@Test func aFloat32GradientKernelIsOneMoreEvaluator() throws {
  var runner = ConformanceRunner()
  runner.evaluators.append(
    ConformanceEvaluator(name: "kernels", dtypes: [.float32], quantity: .gradient) { _ in Tensor([1, 2]) })
  let report = runner.run([
    try gradientCase(id: "a", dtype: .float32, gradient: [1, 2]), try gradientCase(id: "b", gradient: [1, 2]),
  ])
  #expect(
    report.results.map { "\($0.id)/\($0.evaluator)/\($0.quantity)" } == [
      "a/reference/value", "a/reference/gradient", "a/kernels/gradient", "b/reference/value", "b/reference/gradient",
    ])
  #expect(report.allPassed, "\(report.failureDescriptions())")
  let table = report.deviationTable()
  #expect(table.contains("Max relative deviation from Keras (reference gradients):"))
  #expect(table.contains("Max relative deviation from Keras (kernels gradients):"))
  #expect(table.contains("Max relative deviation from Keras (reference):"))
}

@Test func jsonSummaryReportsGradientsApart() throws {
  let runner = ConformanceRunner(evaluators: [.reference, constantGradient([1, 3])])
  let report = runner.run([try gradientCase(gradient: [1, 2])])
  guard case .object(let summary) = try JSONValue(parsing: report.jsonSummary()),
    case .object(let gradients)? = summary["gradients"],
    case .array(let failures)? = summary["failures"], case .object(let failure)? = failures.first
  else {
    Issue.record("unexpected summary: \(report.jsonSummary())")
    return
  }
  #expect(summary["passed"] == .number(1) && summary["failed"] == .number(1))
  #expect(gradients["passed"] == .number(0) && gradients["failed"] == .number(1))
  #expect(failure["quantity"] == .string("gradient"))
  #expect(
    gradients["max_relative_deviation"]
      == .object(["constant": .object(["mean_squared_error": .object(["float64": .number(0.5)])])]))
  // The values' deviations stay where they were, without the gradient's.
  #expect(summary["max_relative_deviation"] == .object(["reference": .object(["mean_squared_error": .object(["float64": .number(0)])])]))
}
