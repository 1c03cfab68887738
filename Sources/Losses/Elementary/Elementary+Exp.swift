//===--- Elementary+Exp.swift ---------------------------------------------===//
//
// exp(x) for Float32: Cody–Waite reduction, a degree-7 polynomial, and a
// two-step scaling by 2ᵏ that rounds once, so subnormal results are right.
//
//===----------------------------------------------------------------------===//

extension Elementary {
  // MARK: Constants

  /// `exp(x)` is `+∞` for every Float `x` at or above this bound
  /// (`0x1.62e430p6`, the successor of the largest `x` whose `eˣ` rounds
  /// to a finite Float); the algorithm reaches it by rounding, the clamp
  /// below only keeps `k` in range.
  @inlinable @inline(__always)
  static var _expClampHigh: Float { 89 }

  /// Below `−150·ln 2 ≈ −103.972` `eˣ` rounds to `+0`; clamping to `−104`
  /// keeps `k ≥ −150` and still rounds to `+0`.
  @inlinable @inline(__always)
  static var _expClampLow: Float { -104 }

  @inlinable @inline(__always) static var _log2e: Float { 0x1.715476p0 }

  // eʳ ≈ 1 + r + r²·(c2 + c3·r + … + c7·r⁵) on |r| ≤ 0.3467: coefficients
  // of the minimax fit of the relative error, rounded to Float one at a
  // time (each re-fit after rounding the previous); relative error of the
  // polynomial with these Float coefficients ≤ 2⁻²⁹·².
  @inlinable @inline(__always) static var _expC2: Float { 0x1p-1 }
  @inlinable @inline(__always) static var _expC3: Float { 0x1.55553cp-3 }
  @inlinable @inline(__always) static var _expC4: Float { 0x1.5554f2p-5 }
  @inlinable @inline(__always) static var _expC5: Float { 0x1.113718p-7 }
  @inlinable @inline(__always) static var _expC6: Float { 0x1.6d5278p-10 }
  @inlinable @inline(__always) static var _expC7: Float { 0x1.6a3ee2p-13 }

  // MARK: SIMD8

  /// The exponential function, `eˣ`, in each lane.
  ///
  /// ```
  /// k   = round(x · log₂e)            (|k| ≤ 150 after clamping x)
  /// rHi = x − k·ln2Hi                 (exact)
  /// rLo = k·ln2Lo,  r = rHi − rLo     (|r| ≤ ln2/2 + 2⁻¹⁷)
  /// p   = 1 + (rHi + (r²·P(r) − rLo)) (≈ eʳ, P of degree 5)
  /// eˣ  = (p · 2^⌊k/2⌋) · 2^(k − ⌊k/2⌋)
  /// ```
  ///
  /// Error analysis (u = 2⁻²⁴), worst binade `eʳ ∈ [√½, 1)`, ulp 2⁻²⁴:
  /// - Reduction. `k·ln2Hi` is exact (15-bit constant, `|k| < 2⁹`), and so
  ///   is `rHi` (Sterbenz: `x` is within a factor 2 of `k·ln2Hi`). `rLo`
  ///   rounds by ≤ 2⁻³⁶ and the split of ln 2 is off by ≤ 150·2⁻⁴⁴, so
  ///   `rHi − rLo` is `r` to 2⁻³⁵. The rounded `r` (≤ 2⁻²⁶ off) only enters
  ///   `r²·P(r)`, whose slope is ≤ 0.3 there: ≤ 0.08 ulp.
  /// - Polynomial: relative approximation error ≤ 2⁻²⁹·²: ≤ 0.03 ulp.
  /// - `r²·P(r)` (≤ 0.054) is evaluated to ≤ 2.5u relative: ≤ 0.14 ulp;
  ///   subtracting `rLo` rounds by ≤ 2⁻²⁹: ≤ 0.03 ulp.
  /// - `q = rHi + (…)` rounds by ≤ ½ ulp(q) ≤ 2⁻²⁶ (`|q| < 0.3`): 0.25 ulp;
  ///   `1 + q` rounds by ≤ ½ ulp.
  /// - Scaling. `p·2^⌊k/2⌋` is exact (both factors and the product normal);
  ///   the second product is exact for a normal result and rounds once
  ///   (≤ ½ ulp of the subnormal, the earlier error shrunk by ≥ 2) for a
  ///   subnormal one — no double rounding.
  ///
  /// These add up to ≤ 1.03 ulp (the binade `[1, √2)`, with its larger ulp,
  /// gives ≤ 0.8). The exhaustive measurement over all 2³² inputs is the
  /// sharp bound: **max 0.8710 ulp** (worst input `4.506428`, `0x409034a8`,
  /// where `eʳ ≈ 0.708` sits in the worst binade), so `exp` is faithful
  /// (< 1 ulp) on every Float.
  ///
  /// Edge cases: `exp(±0) = 1`; `exp(x) = +∞` for `x ≥ 0x1.62e430p6`
  /// (≈ 88.72284, exactly where the correctly rounded result overflows);
  /// subnormal results for `−103.28 ≲ x < −87.34`; `+0` for `x ≤ −103.972…`;
  /// `exp(+∞) = +∞`, `exp(−∞) = +0`, `exp(NaN)` is NaN.
  ///
  /// - Parameter x: Any Float values.
  /// - Returns: `eˣ` in each lane, within 1 ulp.
  /// - Complexity: about 30 vector operations, no branches.
  @inlinable
  public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    _exp(x)
  }

  /// The body of `exp(_:)`, always inlined so that `softplus` and `sigmoid`
  /// get one straight-line body (the optimizer otherwise calls `exp`).
  @inlinable @inline(__always)
  static func _exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Clamp (a NaN compares false and flows through as NaN).
    var xc = x.replacing(with: _expClampLow, where: x .< _expClampLow)
    xc = xc.replacing(with: _expClampHigh, where: xc .> _expClampHigh)
    // k = round(x · log2e), as a float and as an integer.
    let t = xc * _log2e + _shifter
    let kf = t - _shifter
    let k = _bits(t) &- _shifterBits
    // Cody–Waite: r = rHi − rLo = x − k·ln2, rHi exact.
    let rHi = xc - kf * _ln2Hi
    let rLo = kf * _ln2Lo
    let r = rHi - rLo
    // eʳ ≈ 1 + (rHi + (r²·P(r) − rLo)): the rounding of r only reaches r².
    let r2 = r * r
    var poly = _expC7 * r + _expC6
    poly = poly * r + _expC5
    poly = poly * r + _expC4
    poly = poly * r + _expC3
    poly = poly * r + _expC2
    let p = 1 + (rHi + (r2 * poly - rLo))
    // Scale by 2ᵏ in two exact-exponent steps, rounding once at the end.
    let k1 = k &>> 1
    let k2 = k &- k1
    let s1 = _float((k1 &+ 127) &<< 23)
    let s2 = _float((k2 &+ 127) &<< 23)
    return (p * s1) * s2
  }

  // MARK: Scalar

  /// The exponential function, `eˣ`: the same algorithm and bit-identical
  /// results as the `SIMD8<Float>` overload, for loop tails.
  ///
  /// - Parameter x: Any Float value.
  /// - Returns: `eˣ`, within 1 ulp.
  @inlinable
  public static func exp(_ x: Float) -> Float {
    _exp(x)
  }

  /// The body of `exp(_:)`, always inlined; see the SIMD8 overload.
  @inlinable @inline(__always)
  static func _exp(_ x: Float) -> Float {
    var xc = x < _expClampLow ? _expClampLow : x
    xc = xc > _expClampHigh ? _expClampHigh : xc
    let t = xc * _log2e + _shifter
    let kf = t - _shifter
    let k = _bits(t) &- _shifterBits
    let rHi = xc - kf * _ln2Hi
    let rLo = kf * _ln2Lo
    let r = rHi - rLo
    let r2 = r * r
    var poly = _expC7 * r + _expC6
    poly = poly * r + _expC5
    poly = poly * r + _expC4
    poly = poly * r + _expC3
    poly = poly * r + _expC2
    let p = 1 + (rHi + (r2 * poly - rLo))
    let k1 = k &>> 1
    let k2 = k &- k1
    let s1 = _float((k1 &+ 127) &<< 23)
    let s2 = _float((k2 &+ 127) &<< 23)
    return (p * s1) * s2
  }
}
