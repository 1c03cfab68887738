import LossCore
import LossReference

/// Something that computes a loss, or its gradient, for a conformance case: the Double reference,
/// the Float32 kernels, or a user's candidate.
public struct ConformanceEvaluator: Sendable {
  /// What an evaluator computes, and so which of a case's expectations it is checked against.
  public enum Quantity: String, Sendable, Hashable, CaseIterable {
    /// The loss value, checked against `expected` with `tolerance`.
    case value
    /// The gradient of the reduced loss with respect to `y_pred` (for `none`, of the sum of its
    /// elements), checked against `expected_gradient` with `gradient_tolerance`. Only cases that
    /// carry a gradient are run.
    case gradient
  }

  /// A short name for reports, e.g. `reference`.
  public var name: String
  /// The dtypes of the cases this evaluator is run on (a Float32 kernel takes only `.float32`).
  public var dtypes: Set<DType>
  /// What `evaluate` returns: the loss value or its gradient.
  public var quantity: Quantity
  /// Computes the loss (or its gradient) for a case, or throws when it rejects the inputs.
  public var evaluate: @Sendable (ConformanceCase) throws -> Tensor<Double>

  public init(
    name: String, dtypes: Set<DType> = Set(DType.allCases), quantity: Quantity = .value,
    evaluate: @escaping @Sendable (ConformanceCase) throws -> Tensor<Double>
  ) {
    self.name = name
    self.dtypes = dtypes
    self.quantity = quantity
    self.evaluate = evaluate
  }

  /// Whether this evaluator has something to check in `testCase`: every case of its dtypes for a
  /// value evaluator, only the cases with an `expected_gradient` for a gradient evaluator.
  public func applies(to testCase: ConformanceCase) -> Bool {
    guard dtypes.contains(testCase.dtype) else { return false }
    switch quantity {
    case .value: return true
    case .gradient: return testCase.expectedGradient != nil
    }
  }

  /// The Double reference, evaluated "as" the case's dtype (float32 cases with float32 constants).
  public static let reference = ConformanceEvaluator(name: "reference") { testCase in
    try Reference.evaluate(
      testCase.loss, yTrue: testCase.yTrue, yPred: testCase.yPred, sampleWeight: testCase.sampleWeight,
      reduction: testCase.reduction, as: testCase.dtype)
  }
}

/// Runs conformance cases through one or more evaluators and checks each result against Keras.
///
/// Each (case, evaluator) pair is one check, counted on its own: a case of the gradient file is
/// checked twice by the default runner, once for its value and once for its gradient. Adding an
/// evaluator is one line:
///
///     var runner = ConformanceRunner()   // the reference's values and gradients
///     runner.evaluators.append(ConformanceEvaluator(name: "kernels", dtypes: [.float32]) { c in ... })
///     runner.evaluators.append(
///       ConformanceEvaluator(name: "kernels", dtypes: [.float32], quantity: .gradient) { c in ... })
public struct ConformanceRunner: Sendable {
  /// The evaluators every applicable case is run through, in order.
  public var evaluators: [ConformanceEvaluator]

  public init(evaluators: [ConformanceEvaluator] = [.reference, .referenceGradient]) {
    self.evaluators = evaluators
  }

  /// Runs every case through every evaluator that applies to it (its dtypes include the case's
  /// dtype; for a gradient evaluator, the case carries a gradient).
  public func run(_ cases: [ConformanceCase]) -> ConformanceReport {
    var results: [ConformanceResult] = []
    results.reserveCapacity(cases.count * evaluators.count)
    for testCase in cases {
      for evaluator in evaluators where evaluator.applies(to: testCase) {
        results.append(Self.check(testCase, with: evaluator))
      }
    }
    return ConformanceReport(results: results)
  }

  /// Evaluates one case and compares the outcome with Keras's.
  ///
  /// A value case passes when the shapes are equal and every element is within the case's tolerance;
  /// an error case passes when the evaluator throws (any error: the inputs were rejected). A
  /// gradient evaluator is held to `expected_gradient` and `gradient_tolerance` by the same rule
  /// (a case without a gradient fails it: there is nothing to agree with).
  public static func check(_ testCase: ConformanceCase, with evaluator: ConformanceEvaluator) -> ConformanceResult {
    let outcome: ConformanceResult.Outcome
    do {
      outcome = .value(try evaluator.evaluate(testCase))
    } catch {
      outcome = .error(String(describing: error))
    }
    let expected: ConformanceCase.Expectation
    let tolerance: Tolerance?
    switch evaluator.quantity {
    case .value:
      (expected, tolerance) = (testCase.expected, testCase.tolerance)
    case .gradient:
      expected = testCase.expectedGradient.map { .value($0) } ?? .error("no expected_gradient")
      tolerance = testCase.gradientTolerance
    }
    var passed = false
    var deviation: Double? = nil
    switch (expected, outcome) {
    case (.error, .error):
      passed = true
    case (.error, .value), (.value, .error):
      passed = false
    case (.value(let expected), .value(let got)):
      guard got.shape == expected.shape else { break }
      let tolerance = tolerance ?? Tolerance(absolute: 0, relative: 0)
      passed = zip(got.scalars, expected.scalars).allSatisfy { tolerance.accepts($0, expected: $1) }
      deviation = zip(got.scalars, expected.scalars)
        .compactMap { Tolerance.relativeDeviation($0, expected: $1) }
        .max()
    }
    if evaluator.quantity == .gradient && testCase.expectedGradient == nil { passed = false }
    return ConformanceResult(
      id: testCase.id, loss: testCase.lossName, dtype: testCase.dtype, evaluator: evaluator.name,
      quantity: evaluator.quantity, passed: passed, expected: expected, outcome: outcome,
      tolerance: tolerance, maxRelativeDeviation: deviation, source: testCase.source)
  }
}

/// The outcome of one case under one evaluator.
public struct ConformanceResult: Sendable, Hashable {
  /// What the evaluator produced.
  public enum Outcome: Sendable, Hashable {
    /// The loss value it returned.
    case value(Tensor<Double>)
    /// The description of the error it threw.
    case error(String)
  }

  public var id: String
  public var loss: LossName
  public var dtype: DType
  /// The evaluator's name.
  public var evaluator: String
  /// Whether the loss value or its gradient was checked.
  public var quantity: ConformanceEvaluator.Quantity
  public var passed: Bool
  /// Keras's result (for a gradient check, its gradient).
  public var expected: ConformanceCase.Expectation
  /// The evaluator's result.
  public var outcome: Outcome
  /// The bound the value (or gradient) was checked with (`nil` for error cases).
  public var tolerance: Tolerance?
  /// The largest `|got − expected| / |expected|` over the elements, when both are values of the same
  /// shape and at least one element has a defined relative deviation (see
  /// `Tolerance.relativeDeviation`); `+∞` when a non-finite value disagrees.
  public var maxRelativeDeviation: Double?
  /// Where the case was read from.
  public var source: ConformanceCase.Location
}

/// The results of a conformance run, with the per-(evaluator, loss, dtype) deviation summary.
public struct ConformanceReport: Sendable {
  /// Identifies one row-and-column cell of the deviation summary.
  public struct DeviationKey: Sendable, Hashable {
    public var evaluator: String
    public var loss: LossName
    public var dtype: DType
    /// Values and gradients are summarised apart.
    public var quantity: ConformanceEvaluator.Quantity

    public init(evaluator: String, loss: LossName, dtype: DType, quantity: ConformanceEvaluator.Quantity = .value) {
      self.evaluator = evaluator
      self.loss = loss
      self.dtype = dtype
      self.quantity = quantity
    }
  }

  /// Every result, in the order the cases and evaluators were run.
  public var results: [ConformanceResult]

  public init(results: [ConformanceResult]) {
    self.results = results
  }

  /// The number of (case, evaluator) pairs that passed: value and gradient checks alike.
  public var passedCount: Int { results.count { $0.passed } }
  /// The number of (case, evaluator) pairs that failed: value and gradient checks alike.
  public var failedCount: Int { results.count { !$0.passed } }
  /// The number of checks of `quantity` that passed.
  public func passedCount(of quantity: ConformanceEvaluator.Quantity) -> Int {
    results.count { $0.passed && $0.quantity == quantity }
  }
  /// The number of checks of `quantity` that failed.
  public func failedCount(of quantity: ConformanceEvaluator.Quantity) -> Int {
    results.count { !$0.passed && $0.quantity == quantity }
  }
  /// The results that failed.
  public var failures: [ConformanceResult] { results.filter { !$0.passed } }
  /// Whether every case passed.
  public var allPassed: Bool { results.allSatisfy(\.passed) }

  /// The evaluator names, in the order they first appear.
  public var evaluators: [String] {
    var seen: Set<String> = []
    return results.map(\.evaluator).filter { seen.insert($0).inserted }
  }

  /// The largest relative deviation from Keras per evaluator, loss, dtype and quantity (value or
  /// gradient), over all cases (passing or not) where one is defined. Error cases and shape
  /// mismatches do not contribute.
  public var maxRelativeDeviation: [DeviationKey: Double] {
    var summary: [DeviationKey: Double] = [:]
    for result in results {
      guard let deviation = result.maxRelativeDeviation else { continue }
      let key = DeviationKey(
        evaluator: result.evaluator, loss: result.loss, dtype: result.dtype, quantity: result.quantity)
      summary[key] = max(summary[key] ?? 0, deviation)
    }
    return summary
  }
}
