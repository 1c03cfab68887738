import LossCore
import PropertyCheck

/// A named property of a loss, checked on a candidate kernel with generated inputs.
///
/// Build one with `LossProperty(name:summary:generator:check:)`: `check` returns nil when the
/// property holds for a value, or a message saying what failed; it may also report an error in ULPs
/// (the agreement properties do) through the `Measurement` it receives.
public struct LossProperty: Sendable {
  /// A name a user can read in a report, e.g. `agrees with the reference as float32`.
  public let name: String
  /// The property stated exactly, with its bound.
  public let summary: String
  /// What the errors it records are errors of.
  public let measuredQuantity: MeasuredQuantity
  /// Runs the property on `candidate` under `configuration`.
  let run: @Sendable (Candidate, CheckConfiguration) -> PropertyOutcome

  /// A property over values from `generator`.
  ///
  /// - Parameters:
  ///   - measuredQuantity: what the errors `check` records are errors of (the loss value unless
  ///     told otherwise), so that reports keep value and gradient errors apart.
  ///   - check: nil when the property holds for the value, else why it failed. It may record an
  ///     error size (in ULPs) with `measurement.record(_:)`.
  public init<Value>(
    name: String, summary: String, measuring measuredQuantity: MeasuredQuantity = .value, generator: Gen<Value>,
    check: @escaping @Sendable (Value, Candidate, inout Measurement) throws -> String?
  ) {
    self.name = name
    self.summary = summary
    self.measuredQuantity = measuredQuantity
    self.run = { candidate, configuration in
      var measurement = Measurement()
      let report = checkProperty(name, generator, configuration: configuration) { value -> String? in
        try check(value, candidate, &measurement)
      }
      return PropertyOutcome(report: report, largestError: measurement.largestError, measuredQuantity: measuredQuantity)
    }
  }

  /// Runs the property on `candidate`.
  public func check(_ candidate: Candidate, configuration: CheckConfiguration) -> PropertyOutcome {
    run(candidate, configuration)
  }
}

/// What a property's recorded errors are errors of.
public enum MeasuredQuantity: Sendable {
  /// The loss value (per-sample losses or the reduced loss).
  case value
  /// The gradient with respect to `y_pred`.
  case gradient
}

/// The largest error a property saw across its cases, in ULPs of the exact value.
public struct Measurement: Sendable {
  /// The largest error recorded, or nil when none was.
  public private(set) var largestError: Double?

  public init() {}

  /// Records an error; NaN counts as infinite.
  public mutating func record(_ error: Double) {
    let value = error.isNaN ? .infinity : error
    largestError = Swift.max(largestError ?? 0, value)
  }
}

/// What checking one property found.
public struct PropertyOutcome: Sendable {
  /// The property's name.
  public let name: String
  /// Whether every case held.
  public let passed: Bool
  /// The cases run.
  public let casesRun: Int
  /// The run seed: set `LOSSCHECK_SEED` to it to replay the run.
  public let seed: Seed
  /// The largest error seen (ULPs), for properties that measure one.
  public let largestError: Double?
  /// What `largestError` is an error of.
  public let measuredQuantity: MeasuredQuantity
  /// The shrunk counterexample, for a failure.
  public let counterexample: String?
  /// The number of scalars in the shrunk counterexample, when it is made of tensors.
  public let counterexampleSize: Int?
  /// The full report: seed, case number, original and shrunk counterexample, shrink steps.
  public let report: String

  init<Value>(report: CheckReport<Value>, largestError: Double?, measuredQuantity: MeasuredQuantity) {
    name = report.propertyName
    passed = report.passed
    casesRun = report.casesRun
    seed = report.seed
    self.largestError = largestError
    self.measuredQuantity = measuredQuantity
    counterexample = report.failure.map { "\($0.shrunk)" }
    counterexampleSize = report.failure.flatMap { ($0.shrunk as? any CounterexampleSized)?.scalarCount }
    self.report = report.description
  }
}

/// A generated value that can say how many scalars it holds, so reports can give the size of a
/// shrunk counterexample.
public protocol CounterexampleSized {
  /// The number of scalars.
  var scalarCount: Int { get }
}

extension LossInput: CounterexampleSized {}
