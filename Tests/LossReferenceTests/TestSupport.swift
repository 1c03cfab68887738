// Shared helpers for the reference's tests: tensor builders, tolerance checks, error matching and a
// reproducible random number generator.

import LossCore
import Testing

@testable import LossReference

// MARK: - Tensors

/// A tensor of the given shape; the scalar count must fill it.
func tensor(_ scalars: [Double], _ shape: [Int]) throws -> Tensor<Double> {
  try Tensor(shape: shape, scalars: scalars)
}

/// A rank-2 tensor from its rows (all rows the same length).
func matrix(_ rows: [[Double]]) throws -> Tensor<Double> {
  try Tensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0 })
}

/// The single scalar of a reduced result, requiring it to have shape `[]`.
func scalarValue(_ result: Tensor<Double>, sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
  try #require(result.shape == [], "expected a scalar, got shape \(result.shape)", sourceLocation: sourceLocation)
  return result.scalars[0]
}

/// `Reference.evaluate` returning the scalar it must produce.
func evaluateScalar(
  _ loss: Loss, _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, sampleWeight: Tensor<Double>? = nil,
  reduction: Reduction = .sumOverBatchSize, as dtype: DType = .float64,
  sourceLocation: SourceLocation = #_sourceLocation
) throws -> Double {
  let result = try Reference.evaluate(
    loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction, as: dtype)
  return try scalarValue(result, sourceLocation: sourceLocation)
}

/// The per-sample losses of `Reference.evaluate(..., reduction: .none)`.
func perSample(
  _ loss: Loss, _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, as dtype: DType = .float64
) throws -> Tensor<Double> {
  try Reference.evaluate(loss, yTrue: yTrue, yPred: yPred, reduction: .none, as: dtype)
}

// MARK: - Tolerances

/// Whether `actual` is within `relative·|expected|` or `absolute` of `expected`. NaN matches NaN,
/// and infinities match only themselves.
func isClose(_ actual: Double, _ expected: Double, relative: Double, absolute: Double = 0) -> Bool {
  if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
  if actual == expected { return true }
  if actual.isInfinite || expected.isInfinite { return false }
  return abs(actual - expected) <= max(relative * abs(expected), absolute)
}

/// Records an issue unless `actual` is close to `expected` (see `isClose`).
func expectClose(
  _ actual: Double, _ expected: Double, relative: Double, absolute: Double = 0, _ what: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let error = abs(actual - expected)
  let relativeError = error / abs(expected)
  #expect(
    isClose(actual, expected, relative: relative, absolute: absolute),
    "\(what) got \(actual), expected \(expected) (abs err \(error), rel err \(relativeError), rel tol \(relative), abs tol \(absolute))",
    sourceLocation: sourceLocation)
}

/// Records an issue unless `actual` has `expected`'s shape and each scalar is close.
func expectClose(
  _ actual: Tensor<Double>, _ expected: [Double], shape: [Int]? = nil, relative: Double, absolute: Double = 0,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(actual.shape == (shape ?? [expected.count]), "shape", sourceLocation: sourceLocation)
  guard actual.scalars.count == expected.count else {
    Issue.record("got \(actual.scalars.count) scalars, expected \(expected.count)", sourceLocation: sourceLocation)
    return
  }
  for (i, (a, e)) in zip(actual.scalars, expected).enumerated() {
    expectClose(a, e, relative: relative, absolute: absolute, "[\(i)]", sourceLocation: sourceLocation)
  }
}

/// The distance from `actual` to `exact` in units of the last place of `exact` rounded to Double.
/// Near zero the spacing of the subnormals is the unit.
func ulpError(_ actual: Double, exact: Double) -> Double {
  if actual == exact { return 0 }
  let unit = max(abs(exact).ulp, Double.leastNonzeroMagnitude)
  return abs(actual - exact) / unit
}

// MARK: - Errors

/// The four cases of `LossError`, without their payloads.
enum LossErrorKind: Sendable, CustomStringConvertible {
  case invalidShape, incompatibleShapes, invalidValue, invalidOption

  init(_ error: LossError) {
    switch error {
    case .invalidShape: self = .invalidShape
    case .incompatibleShapes: self = .incompatibleShapes
    case .invalidValue: self = .invalidValue
    case .invalidOption: self = .invalidOption
    }
  }

  var description: String {
    switch self {
    case .invalidShape: "invalidShape"
    case .incompatibleShapes: "incompatibleShapes"
    case .invalidValue: "invalidValue"
    case .invalidOption: "invalidOption"
    }
  }
}

/// Runs `body`, requiring it to throw a `LossError` of `kind` about `argument`; returns the error.
@discardableResult
func expectLossError<R>(
  _ kind: LossErrorKind, argument: String, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> R
) -> LossError? {
  do {
    let result = try body()
    Issue.record("expected LossError.\(kind) about `\(argument)`, got \(result)", sourceLocation: sourceLocation)
    return nil
  } catch let error as LossError {
    #expect(LossErrorKind(error).description == kind.description, "\(error)", sourceLocation: sourceLocation)
    #expect(error.argument == argument, "\(error)", sourceLocation: sourceLocation)
    return error
  } catch {
    Issue.record("expected a LossError, got \(error)", sourceLocation: sourceLocation)
    return nil
  }
}

/// The flat index carried by `LossError.invalidValue`, or nil for the other cases.
func invalidValueIndex(_ error: LossError?) -> Int? {
  if case .invalidValue(_, let index, _, _)? = error { return index }
  return nil
}

// MARK: - Random numbers

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, reproducible generator. The mapping from bits to
/// Doubles and integer ranges is written here, so a seed replays on every toolchain.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A Double uniform in [0, 1) from the top 53 bits.
  mutating func unit() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// A Double uniform in [low, high).
  mutating func uniform(_ low: Double, _ high: Double) -> Double {
    low + (high - low) * unit()
  }

  /// An integer uniform in `range` (the modulo bias is irrelevant for test ranges this small).
  mutating func integer(in range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(next() % UInt64(range.count))
  }
}
