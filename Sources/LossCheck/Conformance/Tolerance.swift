/// An elementwise agreement bound: `got` agrees with `expected` when
/// `abs(got − expected) <= absolute + relative · abs(expected)`.
///
/// Edge Cases: a NaN expected value is matched only by NaN; an infinite expected value only by the
/// same infinity; a NaN or infinite `got` never matches a finite expected value.
public struct Tolerance: Sendable, Hashable {
  /// The absolute term `abs` of the format.
  public var absolute: Double
  /// The relative term `rel` of the format, scaled by `abs(expected)`.
  public var relative: Double

  public init(absolute: Double, relative: Double) {
    self.absolute = absolute
    self.relative = relative
  }

  /// Whether `got` agrees with `expected` under this bound.
  public func accepts(_ got: Double, expected: Double) -> Bool {
    if expected.isNaN { return got.isNaN }
    if expected.isInfinite { return got == expected }
    return abs(got - expected) <= absolute + relative * abs(expected)
  }

  /// The relative deviation `|got − expected| / |expected|` of one element.
  ///
  /// Edge Cases: 0 when the two agree exactly, including NaN with NaN and equal infinities; `+∞`
  /// when only one side is non-finite or they are different non-finite values. `nil` when
  /// `expected` is 0 and `got` is a finite non-zero value: the relative deviation is undefined there
  /// and only the absolute term of the tolerance speaks.
  public static func relativeDeviation(_ got: Double, expected: Double) -> Double? {
    if got == expected || (got.isNaN && expected.isNaN) { return 0 }
    if !got.isFinite || !expected.isFinite { return .infinity }
    if expected == 0 { return nil }
    return abs(got - expected) / abs(expected)
  }
}
