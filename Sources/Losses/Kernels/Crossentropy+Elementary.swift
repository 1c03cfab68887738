//===--- Crossentropy+Elementary.swift ------------------------------------===//
//
// The elementary pieces the crossentropy kernels share: Keras's float32
// clipping constants, a cheap exp for log-sum-exp sums, an exp that also
// returns its rounding tail (so log1p(eˣ) keeps the precision of eˣ), the
// Float ↔ Double lane conversions and the tail loads.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Constants and vector helpers of the crossentropy kernels (Float32, SIMD8).
///
/// Everything here is built on `Elementary`'s Cody–Waite reduction and log
/// core; the two exp variants below differ from `Elementary.exp` only where
/// the kernels' inputs allow it (the argument is never positive) or need
/// more (the rounding tail of the result).
enum CrossentropyMath {
  // MARK: Keras's float32 constants

  /// `backend.epsilon()` as a float32: `Float(1e-7)`.
  static var epsilon: Float { Float(1e-7) }
  /// `1 - epsilon()` computed in float32: `1 − 2⁻²³`.
  static var oneMinusEpsilon: Float { 1 - Float(1e-7) }
  /// `log(eps)` and `log1p(−eps)` in Double, for probabilities clipped low.
  static let logEpsilon = log(Double(Float(1e-7)))
  static let log1pMinusEpsilon = log1p(-Double(Float(1e-7)))
  /// `log(1 − eps)` and `log1p(−(1 − eps)) = log(2⁻²³)` in Double, for probabilities clipped high.
  static let logOneMinusEpsilon = log(Double(1 - Float(1e-7)))
  static let log1pMinusOneMinusEpsilon = log1p(-Double(1 - Float(1e-7)))

  // MARK: exp for sums

  // eʳ ≈ 1 + r + r²·(c2 + c3·r + c4·r² + c5·r³ + c6·r⁴) on |r| ≤ ln2/2 + 2⁻¹⁷:
  // a weighted least-squares (Lawson) fit of the relative error, coefficients
  // rounded to Float one at a time, each re-fit after the previous rounding.
  // Relative error of the polynomial with these coefficients: 2⁻²⁸·²⁵
  // (one degree less than `Elementary.exp`, whose 2⁻²⁹·² is more than a
  // Float result needs).
  @inline(__always) static var c2: Float { 0x1.fffffcp-2 }
  @inline(__always) static var c3: Float { 0x1.555492p-3 }
  @inline(__always) static var c4: Float { 0x1.5558acp-5 }
  @inline(__always) static var c5: Float { 0x1.12397cp-7 }
  @inline(__always) static var c6: Float { 0x1.6a518ap-10 }
  @inline(__always) static var log2e: Float { 0x1.715476p0 }

  /// `x − m` as an unevaluated sum `hi + lo`, exactly (Knuth's 2Sum; any order of magnitudes).
  @inline(__always)
  static func difference(_ x: SIMD8<Float>, _ m: SIMD8<Float>) -> (hi: SIMD8<Float>, lo: SIMD8<Float>) {
    let hi = x - m
    let mPart = hi - x
    let lo = (x - (hi - mPart)) - (m + mPart)
    return (hi, lo)
  }

  /// `e^(z + zLo)` for `z ≤ 0`, `|zLo| ≤ ½ ulp(z)`, for terms of a sum that is at least 1 (a
  /// log-sum-exp with the maximum subtracted).
  ///
  /// `Elementary.exp`'s Cody–Waite reduction with `zLo` (the rounding error of `x − m`, from
  /// `difference`) folded into the low part, a degree-6 polynomial, no overflow clamp (`z ≤ 0`)
  /// and a single scaling step: `z` is clamped to `−87.3` so that `2ᵏ` stays normal; results below
  /// `e⁻⁸⁷·³ ≈ 1.3·10⁻³⁸` become about that value, which cannot change a sum ≥ 1.
  ///
  /// Error: < 1 ulp, as `Elementary.exp` (the polynomial's 2⁻²⁸·²⁵ adds 0.1 ulp to the analysis
  /// there), of the exact e^(x − m): the rounding of `x − m` no longer counts. NaN inputs give
  /// garbage, which the kernels detect through the finiteness of their inputs.
  @inline(__always)
  static func expForSum(_ z: SIMD8<Float>, tail zLo: SIMD8<Float>) -> SIMD8<Float> {
    let zc = maximum(z, SIMD8<Float>(repeating: -87.3))
    let t = zc * log2e + Elementary._shifter
    let kf = t - Elementary._shifter
    let rHi = zc - kf * Elementary._ln2Hi
    let rLo = kf * Elementary._ln2Lo - zLo
    let r = rHi - rLo
    let r2 = r * r
    var q = c6 * r + c5
    q = q * r + c4
    q = q * r + c3
    q = q * r + c2
    let p = 1 + (rHi + (r2 * q - rLo))
    // t's low bits hold k, and (shifterBits << 23) ≡ 0 mod 2³²: the bits of 2ᵏ.
    let scale = Elementary._float((Elementary._bits(t) &<< 23) &+ 0x3f80_0000)
    return p * scale
  }

  /// `e^(x − m)` for `x ≤ m`, exactly rounded `x − m` included: `expForSum(_:tail:)` on `difference`.
  @inline(__always)
  static func expForSum(_ x: SIMD8<Float>, minus m: SIMD8<Float>) -> SIMD8<Float> {
    let (z, zLo) = difference(x, m)
    return expForSum(z, tail: zLo)
  }

  /// `eᵃ` in Double for `a` in [−86, 0] (where 2ᵏ and the result are normal Floats), for terms
  /// that need more than a Float's precision: within 0.4u relative (u = 2⁻²⁴).
  ///
  /// ```
  /// k, rHi, rLo, r   as Elementary.exp (rHi exact)
  /// q = (c2 + c3·r) + r²·((c4 + c5·r) + r²·c6)    (Estrin's scheme)
  /// s = 1 + rHi (rounded), its exact tail s₁;  w = r²·q − rLo
  /// eᵃ = 2ᵏ·s + 2ᵏ·(s₁ + w)                      (the two parts added in Double)
  /// ```
  ///
  /// Error, relative to eʳ ≥ √½: the polynomial 2⁻²⁸·²⁵ (0.05u); q's two roundings at its own
  /// magnitude (q ≈ ½: 2·2⁻²⁵) and the smaller ones, carried by r² ≤ 0.121, with r²'s, the
  /// product's and `− rLo`'s roundings (2⁻²⁹ each): ≤ 2⁻²⁶·³ absolute, 0.29u; `s₁ + w` rounds by
  /// 2⁻²⁹ (0.04u); the scaling is exact and the Double sum adds 2⁻⁵³. In all ≤ 0.4u; measured
  /// over every Float in [−86, 0]: 0.355u (at −84.90896). Compared with `expWithTail`, no
  /// clamp (callers check the range), no final Fast2Sum (the Double sum replaces it) and Estrin's
  /// shorter dependency chain: binary crossentropy from logits ran 0.30 → 0.41 G/s in a stand-alone
  /// loop with Estrin instead of Horner's rule (default build).
  @inline(__always)
  static func expWide(_ a: SIMD8<Float>) -> SIMD8<Double> {
    let (t, rHi, w) = reducedExp(a)
    let s = 1 + rHi
    let sTail = rHi - (s - 1)
    let scale = powerOfTwo(t, bias: 0x3f80_0000)
    return widen(s * scale) + widen((sTail + w) * scale)
  }

  /// The reduction and polynomial of `expWide` and `expShifted`: eᶻ ≈ 2ᵏ·(1 + rHi + w) for
  /// |z| < 354, with `Elementary.exp`'s Cody–Waite reduction (rHi exact, k·ln2Hi exact for
  /// |k| < 512), w = r²·q − rLo and q the degree-6 fit above by Estrin's scheme; t holds k in its
  /// low bits.
  @inline(__always)
  static func reducedExp(_ z: SIMD8<Float>) -> (t: SIMD8<Float>, rHi: SIMD8<Float>, w: SIMD8<Float>) {
    let t = z * log2e + Elementary._shifter
    let kf = t - Elementary._shifter
    let rHi = z - kf * Elementary._ln2Hi
    let rLo = kf * Elementary._ln2Lo
    let r = rHi - rLo
    let r2 = r * r
    let q = (c3 * r + c2) + r2 * ((c5 * r + c4) + r2 * c6)
    return (t, rHi, r2 * q - rLo)
  }

  /// 2^(k + e) from `reducedExp`'s t, for `bias` = (127 + e)·2²³ (normal results only): t's low
  /// bits hold k, and (shifterBits << 23) ≡ 0 mod 2³².
  @inline(__always)
  static func powerOfTwo(_ t: SIMD8<Float>, bias: Int32) -> SIMD8<Float> {
    Elementary._float((Elementary._bits(t) &<< 23) &+ bias)
  }

  // MARK: exp with its tail, log1p(eᵃ)

  /// `eᵃ` for `a ≤ 0` as an unevaluated sum `hi + lo`, accurate to about
  /// 2⁻²⁷ relative (subnormal `hi` to ½ ulp).
  ///
  /// ```
  /// eᵃ = 2ᵏ·(1 + r + r²P(r)),  r = rHi − rLo
  /// s = 1 + rHi (Fast2Sum, tail s₁);  w = r²P − rLo;  hi = s + (s₁ + w), lo = its tail
  /// ```
  /// The errors left are the polynomial's 2⁻²⁸·²⁵, the rounding of `w`
  /// (|w| < 0.07, ≤ 2⁻²⁹) and of `s₁ + w` (≤ 2⁻²⁹).
  @inline(__always)
  static func expWithTail(_ a: SIMD8<Float>) -> (hi: SIMD8<Float>, lo: SIMD8<Float>) {
    let ac = maximum(a, SIMD8<Float>(repeating: -104))
    let t = ac * log2e + Elementary._shifter
    let kf = t - Elementary._shifter
    let k = Elementary._bits(t) &- Elementary._shifterBits
    let rHi = ac - kf * Elementary._ln2Hi
    let rLo = kf * Elementary._ln2Lo
    let r = rHi - rLo
    let r2 = r * r
    var q = c6 * r + c5
    q = q * r + c4
    q = q * r + c3
    q = q * r + c2
    let w = r2 * q - rLo
    let s = 1 + rHi
    let sTail = rHi - (s - 1)
    let small = sTail + w
    let p = s + small
    let pTail = small - (p - s)
    // 2ᵏ in two steps so that subnormal results round once.
    let k1 = k &>> 1
    let k2 = k &- k1
    let s1 = Elementary._float((k1 &+ 127) &<< 23)
    let s2 = Elementary._float((k2 &+ 127) &<< 23)
    return ((p * s1) * s2, (pTail * s1) * s2)
  }

  // MARK: log with a Double result

  /// ln 2 in Double.
  @inline(__always) static var ln2: Double { 0x1.62e42fefa39efp-1 }

  /// `log(u) + c` in Double, for `u` a positive normal finite Float and `c` a correction of at
  /// most about 2⁻²³·|log u| (the `e/u` of a log1p), without the Float rounding of
  /// `Elementary.log`.
  ///
  /// ```
  /// u = 2ᵏ·m, m ∈ [√½, √2), f = m − 1      (exact, as in Elementary.log)
  /// q = Q(f) in Float (Estrin)             (Elementary's degree-8 polynomial)
  /// log u + c = (k·ln2 + f) + (f²·(q·f − ½) + c)   in Double
  /// ```
  ///
  /// Error, relative to |log u| (u = 2⁻²⁴): the approximation 2⁻²⁸·² ≈ 0.05u; q's Float
  /// evaluation (≤ 4u relative: four levels of rounded products and sums, each term of Q
  /// smaller than Q₀ = ⅓ by the powers of |f| ≤ 0.42) enters only through f³·q, at most
  /// 0.17·0.34·|f| of the result, so ≤ 0.23u; the Double assembly a few 2⁻⁵³. In all ≤ 0.3u: a
  /// term of a non-negative sum then costs ≤ 0.3 ULP of the sum, where the Float core's own
  /// rounding could cost 1.75.
  @inline(__always)
  static func logWide(_ u: SIMD8<Float>, correction c: SIMD8<Float>) -> SIMD8<Double> {
    let ix = Elementary._bits(u) &- Elementary._sqrtHalfBits
    let k = ix &>> 23
    let m = Elementary._float((ix & 0x007f_ffff) &+ Elementary._sqrtHalfBits)
    let f = m - 1  // exact (Sterbenz)
    let kf = Elementary._float(k &+ Elementary._shifterBits) - Elementary._shifter  // exact
    // Q(f) by Estrin's scheme: the same polynomial as Horner's rule, with a dependency chain of
    // 5 operations instead of 16 (binary crossentropy at 2²⁰, default build, three runs each:
    // 0.26–0.31 G/s against 0.23–0.28 with Horner's rule).
    let f2 = f * f
    let f4 = f2 * f2
    let q01 = Elementary._logQ1 * f + Elementary._logQ0
    let q23 = Elementary._logQ3 * f + Elementary._logQ2
    let q45 = Elementary._logQ5 * f + Elementary._logQ4
    let q67 = Elementary._logQ7 * f + Elementary._logQ6
    let q = (q01 + f2 * q23) + f4 * ((q45 + f2 * q67) + f4 * Elementary._logQ8)
    let fD = widen(f)
    let p = (fD * fD) * (widen(q) * fD - 0.5)
    return (widen(kf) * ln2 + fD) + (p + widen(c))
  }

  /// `log(1 + eᵃ)` for `a ≤ 0` in Double: `log1pExp` with the log assembled by `logWide`, within
  /// 2⁻²⁷ + 0.3u relative while eᵃ is a normal Float (a ≳ −87.3; callers route smaller `a` to
  /// a Double evaluation).
  ///
  /// Where eᵃ < 2⁻²⁴, `1 + hi` rounds to 1 and the correction `hi + lo` would be rounded to Float
  /// (½ ulp of the result): there the result is v·(1 − v/2) from v = hi + lo in Double.
  @inline(__always)
  static func log1pExpWide(_ a: SIMD8<Float>) -> SIMD8<Double> {
    let (hi, lo, u, correction) = onePlusExp(a)
    let v = widen(hi) + widen(lo)
    return logWide(u, correction: correction).replacing(with: v * (1 - 0.5 * v), where: v .< 0x1p-24)
  }

  /// eᵃ = hi + lo (`expWithTail`), u = 1 + hi rounded, and the correction (tail + lo)/u such that
  /// log(1 + eᵃ) = log u + correction to 2⁻⁴⁸ (tail: the exact rounding error of 1 + hi).
  @inline(__always)
  static func onePlusExp(
    _ a: SIMD8<Float>
  ) -> (hi: SIMD8<Float>, lo: SIMD8<Float>, u: SIMD8<Float>, correction: SIMD8<Float>) {
    let (hi, lo) = expWithTail(a)
    let u = 1 + hi
    let tail = (hi - (u - 1)) + lo
    return (hi, lo, u, tail / u)
  }

  /// `log(1 + eᵃ)` for `a ≤ 0` (so `softplus(x) = max(x, 0) + log1pExp(−|x|)`).
  ///
  /// `v = eᵃ = hi + lo` (2⁻²⁷ relative), `u = 1 + hi` with its exact tail,
  /// then `Elementary`'s log core with the correction `(tail + lo)/u`. The
  /// condition of log1p on [0, 1] is ≤ 1, so the result is within the log
  /// core's < 1 ulp plus 2⁻²⁷ relative: < 1.1 ulp, typically ≤ 0.6.
  /// For `a ≲ −17` the result is `v` itself (subnormal included).
  @inline(__always)
  static func log1pExp(_ a: SIMD8<Float>) -> SIMD8<Float> {
    let (_, _, u, correction) = onePlusExp(a)
    return Elementary._logCore(u, correction: correction, extraK: .zero)
  }

  /// `log o` for Doubles `o` in [eps, 1 − eps], within 0.3u relative (`logWide`): `o` is split
  /// into `hi = Float(o)` and `lo = Float(o − hi)`, and `logWide` adds the correction `lo / hi`
  /// (|lo/hi| ≤ 2⁻²⁴; the dropped −(lo/hi)²/2 is below 2⁻⁴⁹).
  @inline(__always)
  static func logOfDouble(_ o: SIMD8<Double>) -> SIMD8<Double> {
    let hi = narrow(o)
    let lo = narrow(o - widen(hi))
    return logWide(hi, correction: lo / hi)
  }

  // MARK: Conversions and loads

  /// The eight lanes in Double (exact).
  @inline(__always)
  static func widen(_ v: SIMD8<Float>) -> SIMD8<Double> {
    SIMD8<Double>(
      Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]),
      Double(v[4]), Double(v[5]), Double(v[6]), Double(v[7]))
  }

  /// The eight lanes rounded to Float.
  @inline(__always)
  static func narrow(_ v: SIMD8<Double>) -> SIMD8<Float> {
    SIMD8<Float>(
      Float(v[0]), Float(v[1]), Float(v[2]), Float(v[3]),
      Float(v[4]), Float(v[5]), Float(v[6]), Float(v[7]))
  }

  /// The SIMD8 of Floats at `pointer + offset`.
  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>, _ offset: Int) -> SIMD8<Float> {
    UnsafeRawPointer(pointer + offset).loadUnaligned(as: SIMD8<Float>.self)
  }

  /// The `count` (< 8) Floats at `pointer`, the other lanes set to `padding`.
  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>, count: Int, padding: Float) -> SIMD8<Float> {
    var v = SIMD8<Float>(repeating: padding)
    for k in 0..<count { v[k] = pointer[k] }
    return v
  }

  /// The lanes below `count`, as a Float mask.
  @inline(__always)
  static func live(_ count: Int) -> SIMDMask<SIMD8<Int32>> {
    SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int32>(repeating: Int32(count))
  }

  /// The lanes below `count`, as a Double mask.
  @inline(__always)
  static func liveDouble(_ count: Int) -> SIMDMask<SIMD8<Int64>> {
    SIMD8<Int64>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int64>(repeating: Int64(count))
  }

  /// Whether every lane is finite (a lane that is ±∞ or NaN makes `x·0` NaN).
  @inline(__always)
  static func allFinite(_ v: SIMD8<Float>) -> Bool {
    isZero(Elementwise.abs(v * 0))
  }

  /// The larger of each pair of lanes (NaN-blind: where one is NaN either may win).
  ///
  /// Written on the SIMD4 halves: on the baseline SSE2 target LLVM turns a SIMD4 select on
  /// `a < b` into one `maxps`, but splits a SIMD8 select into compare, sign test and three
  /// bitwise operations per half.
  @inline(__always)
  static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    let low = a.lowHalf.replacing(with: b.lowHalf, where: a.lowHalf .< b.lowHalf)
    let high = a.highHalf.replacing(with: b.highHalf, where: a.highHalf .< b.highHalf)
    return SIMD8<Float>(lowHalf: low, highHalf: high)
  }

  /// Whether the lanes, all ≥ 0 or NaN, are all zero (their sum is 0), without `all(_:)`, which
  /// is an out-of-line call on this toolchain.
  @inline(__always)
  static func isZero(_ v: SIMD8<Float>) -> Bool {
    let h = v.lowHalf + v.highHalf
    return (h[0] + h[1]) + (h[2] + h[3]) == 0
  }

  /// The largest lane (NaN-blind: a NaN lane may or may not win).
  @inline(__always)
  static func horizontalMax(_ v: SIMD8<Float>) -> Float {
    // Not `pointwiseMax`: its generic implementation is an out-of-line call here.
    let a = v.lowHalf
    let b = v.highHalf
    let h = a.replacing(with: b, where: a .< b)
    let c = h.lowHalf
    let d = h.highHalf
    let q = c.replacing(with: d, where: c .< d)
    return q[0] < q[1] ? q[1] : q[0]
  }

  /// `x` clipped to [eps, 1 − eps] (NaN-blind; the kernels route NaN to their careful path).
  @inline(__always)
  static func clipProbability(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: epsilon)
    let high = SIMD8<Float>(repeating: oneMinusEpsilon)
    let a = x.replacing(with: low, where: x .< low)
    return a.replacing(with: high, where: a .> high)
  }

  /// `bᵞ` in each lane: repeated squaring for integer γ in [0, 64] (exact to a few Double
  /// roundings; `b⁰ = 1` even for NaN, as C's `pow`), `pow` otherwise.
  @inline(__always)
  static func power(_ b: SIMD8<Double>, _ gamma: Float) -> SIMD8<Double> {
    if gamma == 2 { return b * b }
    if gamma == gamma.rounded(), gamma >= 0, gamma <= 64 {
      var result = SIMD8<Double>(repeating: 1)
      var base = b
      var n = Int(gamma)
      while n > 0 {
        if n & 1 == 1 { result *= base }
        n >>= 1
        if n > 0 { base *= base }
      }
      return result
    }
    var result = SIMD8<Double>()
    for k in 0..<8 { result[k] = pow(b[k], Double(gamma)) }
    return result
  }

  /// `bᵞ` for one Double, as `power(_:_:)` computes each lane.
  @inline(__always)
  static func power(_ b: Double, _ gamma: Float) -> Double {
    power(SIMD8<Double>(repeating: b), gamma)[0]
  }
}
