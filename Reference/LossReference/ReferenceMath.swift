#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The reference's elementary building blocks, written for accuracy first.
///
/// Each is exact to within a few ULPs of Double over the inputs the losses give them, and is
/// tested against Float80 in `LossReferenceTests`.
enum ReferenceMath {
  /// The sum of `values` with Neumaier's compensated summation: the error is at most about
  /// 2u·Σ|xᵢ| (u = 2⁻⁵³) whatever the count, instead of (n − 1)u·Σ|xᵢ| for a plain loop.
  /// A NaN or infinite term makes the result NaN or infinite as in plain summation.
  static func sum<S: Sequence>(_ values: S) -> Double where S.Element == Double {
    var total = 0.0
    var compensation = 0.0
    var naive = 0.0
    for x in values {
      naive += x
      let t = total + x
      if abs(total) >= abs(x) {
        compensation += (total - t) + x
      } else {
        compensation += (x - t) + total
      }
      total = t
    }
    // With a non-finite term the compensation is NaN; the plain sum is then the right answer.
    return naive.isFinite ? total + compensation : naive
  }

  /// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so it neither overflows nor
  /// loses the small tail.
  static func softplus(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x == .infinity { return x }
    return Swift.max(x, 0) + log1p(exp(-abs(x)))
  }

  /// log σ(x) = −softplus(−x).
  static func logSigmoid(_ x: Double) -> Double {
    -softplus(-x)
  }

  /// σ(x) = 1 / (1 + e⁻ˣ), evaluated on the side where the exponential cannot overflow.
  static func sigmoid(_ x: Double) -> Double {
    if x >= 0 {
      return 1 / (1 + exp(-x))
    }
    let e = exp(x)
    return e / (1 + e)
  }

  /// log Σ exp(xᵢ), with the maximum subtracted first; −∞ for an empty input or all −∞ terms.
  static func logSumExp(_ values: [Double]) -> Double {
    var m = -Double.infinity
    for x in values {
      if x.isNaN { return x }
      m = Swift.max(m, x)
    }
    if m == -.infinity { return m }
    if m == .infinity { return m }
    return m + log(sum(values.lazy.map { exp($0 - m) }))
  }

  /// log(eᵃ + eᵇ) without overflow; −∞ when both are −∞.
  static func logAddExp(_ a: Double, _ b: Double) -> Double {
    if a.isNaN || b.isNaN { return .nan }
    let m = Swift.max(a, b)
    if m == -.infinity { return m }
    if m == .infinity { return m }
    return m + log1p(exp(-abs(a - b)))
  }

  /// The larger of two values, NaN when either is NaN (as `ops.maximum` on JAX).
  static func maximum(_ a: Double, _ b: Double) -> Double {
    if a.isNaN || b.isNaN { return .nan }
    return Swift.max(a, b)
  }

  /// The smaller of two values, NaN when either is NaN (as `ops.minimum` on JAX).
  static func minimum(_ a: Double, _ b: Double) -> Double {
    if a.isNaN || b.isNaN { return .nan }
    return Swift.min(a, b)
  }

  /// `x` clipped to [low, high]; NaN stays NaN (as `ops.clip` on JAX).
  static func clip(_ x: Double, _ low: Double, _ high: Double) -> Double {
    if x.isNaN { return x }
    return Swift.min(Swift.max(x, low), high)
  }
}
