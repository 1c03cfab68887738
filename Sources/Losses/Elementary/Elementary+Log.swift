//===--- Elementary+Log.swift ---------------------------------------------===//
//
// log(x) and log1p(x) for Float32: x = 2ᵏ·m with m in [√½, √2), a
// degree-10 polynomial for log(1 + f), f = m − 1, and a final sum ordered so
// that its only large rounding is the last one.
//
//===----------------------------------------------------------------------===//

extension Elementary {
  // MARK: Constants

  /// The bits of `√½` rounded to Float (`0x1.6a09e6p-1`): subtracting them
  /// from the bits of `x > 0` puts `k` in the exponent field and `m` in the
  /// significand with `m ∈ [0x1.6a09e6p-1, 0x1.6a09e6p0)`.
  @inlinable @inline(__always) static var _sqrtHalfBits: Int32 { 0x3f35_04f3 }

  // log(1 + f) ≈ f − f²/2 + f³·Q(f) on f ∈ [√½ − 1, √2 − 1], Q of degree 8:
  // minimax fit of the relative error of log(1 + f), coefficients rounded to
  // Float; relative error of the whole approximation ≤ 2⁻²⁸·².
  @inlinable @inline(__always) static var _logQ0: Float { 0x1.555548p-2 }
  @inlinable @inline(__always) static var _logQ1: Float { -0x1.000006p-2 }
  @inlinable @inline(__always) static var _logQ2: Float { 0x1.99a4b6p-3 }
  @inlinable @inline(__always) static var _logQ3: Float { -0x1.555c4ep-3 }
  @inlinable @inline(__always) static var _logQ4: Float { 0x1.233768p-3 }
  @inlinable @inline(__always) static var _logQ5: Float { -0x1.fc2206p-4 }
  @inlinable @inline(__always) static var _logQ6: Float { 0x1.e6f06cp-4 }
  @inlinable @inline(__always) static var _logQ7: Float { -0x1.de3c1ap-4 }
  @inlinable @inline(__always) static var _logQ8: Float { 0x1.1457a8p-4 }

  // MARK: Shared core

  /// `log(u) + c`, for `u` a positive normal finite Float and `c` a small
  /// correction (`|c| ≤ 2⁻²³·|log u|`-ish, or any value when `u` is near 1),
  /// plus `extraK` added to the exponent of `u` (for pre-scaled subnormals).
  ///
  /// The sum `k·ln2 + log(1 + f)` is ordered by `|k|`:
  /// - `|k| ≤ 1`: `k·ln2Hi + f` is exact (both are multiples of 2⁻²⁴ and the
  ///   sum is below 2 in magnitude, or within its binade's precision), so
  ///   `(k·ln2Hi + f) + (k·ln2Lo + c + f²·(−½ + f·Q(f)))` rounds once
  ///   after a small, accurately computed term.
  /// - `|k| ≥ 2`: `|log x| ≥ 1.03 > 3·|log(1 + f)|`, so
  ///   `k·ln2Hi + (f + small)` keeps the inner rounding (≤ ½ ulp of a number
  ///   ≤ 0.35) below ⅛ ulp of the result.
  @inlinable @inline(__always)
  static func _logCore(
    _ u: SIMD8<Float>, correction c: SIMD8<Float>, extraK: SIMD8<Int32>
  ) -> SIMD8<Float> {
    let ix = _bits(u) &- _sqrtHalfBits
    let k = (ix &>> 23) &+ extraK
    let m = _float((ix & 0x007f_ffff) &+ _sqrtHalfBits)
    let f = m - 1  // exact (Sterbenz)
    let kf = _float(k &+ _shifterBits) - _shifter  // exact, |k| < 2²²
    var q = _logQ8 * f + _logQ7
    q = q * f + _logQ6
    q = q * f + _logQ5
    q = q * f + _logQ4
    q = q * f + _logQ3
    q = q * f + _logQ2
    q = q * f + _logQ1
    q = q * f + _logQ0
    let p = (f * f) * (q * f - 0.5)
    let lo = (kf * _ln2Lo + c) + p
    let hi = kf * _ln2Hi
    let small = (hi + f) + lo
    let large = hi + (f + lo)
    // |k| ≤ 1, compared as floats: integer SIMD comparisons are not
    // vectorised by the stdlib (they become a per-lane loop).
    let isSmall = (kf .>= -1) .& (kf .<= 1)
    return large.replacing(with: small, where: isSmall)
  }

  /// Scalar twin of `_logCore(_:correction:extraK:)`, operation for operation.
  @inlinable @inline(__always)
  static func _logCore(_ u: Float, correction c: Float, extraK: Int32) -> Float {
    let ix = _bits(u) &- _sqrtHalfBits
    let k = (ix &>> 23) &+ extraK
    let m = _float((ix & 0x007f_ffff) &+ _sqrtHalfBits)
    let f = m - 1
    let kf = _float(k &+ _shifterBits) - _shifter
    var q = _logQ8 * f + _logQ7
    q = q * f + _logQ6
    q = q * f + _logQ5
    q = q * f + _logQ4
    q = q * f + _logQ3
    q = q * f + _logQ2
    q = q * f + _logQ1
    q = q * f + _logQ0
    let p = (f * f) * (q * f - 0.5)
    let lo = (kf * _ln2Lo + c) + p
    let hi = kf * _ln2Hi
    let small = (hi + f) + lo
    let large = hi + (f + lo)
    let isSmall = kf >= -1 && kf <= 1
    return isSmall ? small : large
  }

  // MARK: log

  /// The natural logarithm, `log x`, in each lane.
  ///
  /// ```
  /// x = 2ᵏ·m, m ∈ [√½, √2)   (subnormal x scaled by 2²³ first: exact)
  /// f = m − 1                 (exact)
  /// log x = k·ln2Hi + f + (k·ln2Lo + f²·(−½ + f·Q(f)))
  /// ```
  ///
  /// Error analysis (u = 2⁻²⁴), with `p = f²·(−½ + f·Q(f))`:
  /// - The reduction is exact: `m`, `f = m − 1` (Sterbenz) and `k·ln2Hi`
  ///   are exact; `k·ln2Lo` and the split of ln 2 cost ≤ 150·2⁻⁴⁴.
  /// - Polynomial: relative approximation error ≤ 2⁻²⁸·² of `log(1 + f)`:
  ///   ≤ 0.03 ulp.
  /// - `p` is evaluated to ≤ 2u relative (`f²`, `q·f − ½` and the product
  ///   each round once, the Horner tail is damped by `f`), and
  ///   `|p| ≤ 0.2·|log x|` whenever `|k| ≤ 1`: ≤ 0.4 ulp of `log x` at the
  ///   bottom of a binade, usually far less.
  /// - `|k| ≤ 1`: `k·ln2Hi + f` is exact, so the result rounds once (½ ulp)
  ///   after the small term. `|k| ≥ 2`: the inner sum `f + lo` (≤ 0.35)
  ///   rounds by ≤ 2⁻²⁶ ≤ ⅛ ulp of `|log x| ≥ 1.03`, then ½ ulp.
  ///
  /// These add up to ≤ 0.95 ulp. Exhaustively over all 2³² inputs:
  /// **max 0.8683 ulp** (worst input `0.7042024`, `0x3f34469c`), so `log`
  /// is faithful (< 1 ulp) on every Float.
  ///
  /// Edge cases: `log(±0) = −∞`; `log(x < 0)` (including `−∞`) is NaN;
  /// `log(1) = +0`; `log(+∞) = +∞`; `log(NaN)` is NaN; subnormal `x` are
  /// handled exactly (`log(0x1p-149) = −103.27893`).
  ///
  /// - Parameter x: Any Float values.
  /// - Returns: `log x` in each lane, within 1 ulp.
  /// - Complexity: about 40 vector operations, no branches.
  @inlinable
  public static func log(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let isSubnormal = x .< Float.leastNormalMagnitude
    let u = x.replacing(with: x * 0x1p23, where: isSubnormal)
    let extraK = SIMD8<Int32>(repeating: 0).replacing(with: -23, where: isSubnormal)
    var y = _logCore(u, correction: .zero, extraK: extraK)
    y = y.replacing(with: x, where: .!(x .< .infinity))  // +∞, NaN
    y = y.replacing(with: -.infinity, where: x .== 0)
    y = y.replacing(with: .nan, where: x .< 0)
    return y
  }

  /// The natural logarithm, `log x`: the same algorithm and bit-identical
  /// results as the `SIMD8<Float>` overload, for loop tails.
  ///
  /// - Parameter x: Any Float value.
  /// - Returns: `log x`, within 1 ulp.
  @inlinable
  public static func log(_ x: Float) -> Float {
    let isSubnormal = x < Float.leastNormalMagnitude
    let u = isSubnormal ? x * 0x1p23 : x
    let extraK: Int32 = isSubnormal ? -23 : 0
    var y = _logCore(u, correction: 0, extraK: extraK)
    y = !(x < .infinity) ? x : y
    y = x == 0 ? -.infinity : y
    y = x < 0 ? .nan : y
    return y
  }

  // MARK: log1p

  /// `log(1 + x)` in each lane, accurate for small `x`.
  ///
  /// ```
  /// u = 1 + x (rounded), e = the exact rounding error of that sum (Fast2Sum)
  /// log(1 + x) = log(u) + log(1 + e/u) ≈ log(u) + e/u
  /// ```
  ///
  /// `e` is exact (Fast2Sum: `1 + x` with the larger-magnitude operand
  /// first, selected branch-free) and `e/u` (≤ ½ ulp(u)/u ≤ 2⁻²⁴) is added
  /// with the small terms, so the analysis of `log(_:)` carries over: the
  /// division and the dropped `−(e/u)²/2` cost below 2⁻⁴⁸ relative, but
  /// near `x ≈ −0.29` (`u ≈ √½`, `k = −1`) `e/u` can be ~0.7 ulp of the
  /// result, which makes the small term and its rounding larger: the terms
  /// add up to about 1 ulp there. For `|x| < 2⁻²⁵`, `u = 1` and the result
  /// is `x` exactly. Exhaustively over all 2³² inputs: **max 0.9743 ulp**
  /// (worst input `−0.29294053`, `0xbe95fc4d`), so `log1p` is faithful
  /// (< 1 ulp) on every Float.
  ///
  /// Edge cases: `log1p(±0) = ±0`; `log1p(−1) = −∞`; `log1p(x < −1)`
  /// (including `−∞`) is NaN; `log1p(+∞) = +∞`; `log1p(NaN)` is NaN;
  /// subnormal `x` give `x`.
  ///
  /// - Parameter x: Any Float values.
  /// - Returns: `log(1 + x)` in each lane, within 1 ulp.
  /// - Complexity: about 45 vector operations and one division, no branches.
  @inlinable
  public static func log1p(_ x: SIMD8<Float>) -> SIMD8<Float> {
    var y = _log1pCore(x)
    y = y.replacing(with: x, where: .!(x .< .infinity))  // +∞, NaN
    y = y.replacing(with: x, where: x .== 0)  // keeps the sign of −0
    y = y.replacing(with: -.infinity, where: x .== -1)
    y = y.replacing(with: .nan, where: x .< -1)
    return y
  }

  /// `log(1 + x)`: the same algorithm and bit-identical results as the
  /// `SIMD8<Float>` overload, for loop tails.
  ///
  /// - Parameter x: Any Float value.
  /// - Returns: `log(1 + x)`, within 1 ulp.
  @inlinable
  public static func log1p(_ x: Float) -> Float {
    var y = _log1pCore(x)
    y = !(x < .infinity) ? x : y
    y = x == 0 ? x : y
    y = x == -1 ? -.infinity : y
    y = x < -1 ? .nan : y
    return y
  }

  /// `log1p` for `x ∈ (−1, +∞)` without the special-value fixes: finite
  /// (garbage) for NaN, `−1` and below. Used by `softplus` on `[0, 1]`.
  @inlinable @inline(__always)
  static func _log1pCore(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let u = 1 + x
    // Fast2Sum error term: the larger magnitude operand goes first.
    let eSmall = x - (u - 1)  // |x| ≤ 1
    let eLarge = 1 - (u - x)  // |x| > 1
    let e = eSmall.replacing(with: eLarge, where: x .> 1)
    return _logCore(u, correction: e / u, extraK: .zero)
  }

  /// Scalar twin of `_log1pCore(_:)`.
  @inlinable @inline(__always)
  static func _log1pCore(_ x: Float) -> Float {
    let u = 1 + x
    let eSmall = x - (u - 1)
    let eLarge = 1 - (u - x)
    let e = x > 1 ? eLarge : eSmall
    return _logCore(u, correction: e / u, extraK: 0)
  }
}
