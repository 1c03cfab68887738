#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import _LossesAVX2

// The losses built on a logarithm: MSLE, log_cosh, Poisson and KL divergence.
//
// Float inputs are widened to Double (exactly) and each term is computed in SIMD4<Double> with the
// logarithm of `WideLog`, whose relative error is below 2⁻³⁴; the terms are summed in Double and
// the result is rounded to Float once. So every per-sample value is within ½ ULP of the exact
// value plus 2⁻³³·Σ|terms| / n (a few thousandths of an ULP when the terms do not cancel): the
// kernels are faithful (≤ 1 ULP of the reference) at every size, not only on long rows where
// rounding errors average out. Where a lane holds NaN, ±∞ or (Poisson) p ≤ −eps, its block of 8
// is recomputed in scalar Double with libm, in the reference's order of operations, so non-finite
// values propagate exactly as the reference (and Keras) propagate them.
extension Float32Loss {
  /// mean over the last axis of (log1p(max(p, eps)) − log1p(max(y, eps)))², eps = Float(1e-7).
  ///
  /// The difference of logs is taken as one logarithm of a ratio, log(A/B) with A = 1 + max(p, eps)
  /// and B = 1 + max(y, eps) exact in Double, reduced to a ratio a/b ∈ [√½, √2] times 2ᵏ and
  /// evaluated as k·ln 2 + 2·atanh((a − b)/(a + b)), where a − b is exact. There is no cancellation
  /// when p ≈ y: the difference d carries a relative error below 2⁻³⁴ + 4·2⁻⁵³, d² twice that.
  /// Bound: ≤ ½ ULP + 2⁻³² relative before the final rounding, i.e. ≤ 1 ULP (measured: see
  /// `LogarithmicKernelTests`).
  static func meanSquaredLogarithmicError(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    let epsilon = Float(1e-7)
    let eps = SIMD8<Float>(repeating: epsilon)
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      WideLog.sum(
        y, p, count: n, padding: 0.5,
        ordinary: { y, p in WideLog.isFinite(y) .& WideLog.isFinite(p) },
        term: { y, p in
          let yc = y.replacing(with: eps, where: y .< eps)
          let pc = p.replacing(with: eps, where: p .< eps)
          let a = WideLog.widen(pc)
          let b = WideLog.widen(yc)
          let d0 = WideLog.logRatio(1 + a.0, 1 + b.0)
          let d1 = WideLog.logRatio(1 + a.1, 1 + b.1)
          return (d0 * d0, d1 * d1)
        },
        scalar: { y, p in
          let d = log1p(WideLog.maximum(Double(p), Double(epsilon))) - log1p(WideLog.maximum(Double(y), Double(epsilon)))
          return d * d
        }) / Double(n)
    }
  }

  /// mean over the last axis of log cosh(x) + ln 2 − Float(ln 2), x = p − y (Keras subtracts the
  /// float32-rounded ln 2 from x + softplus(−2x)).
  ///
  /// x is exact in Double. For |x| ≤ 0.875, log cosh x = 2·atanh(tanh²(x/2)) with
  /// tanh(x/2) = E/(E + 2), E = eˣ − 1 from a degree-10 expm1 (relative error ≈ 2⁻⁵⁰): no term
  /// cancels, so the − ln 2 of Keras's form, which cancels x + softplus(−2x) down to x²/2, never
  /// appears; only the constant δ = Float(ln 2) − ln 2 ≈ 1.9e-9 is subtracted at the end. Above,
  /// (|x| − Float(ln 2)) + 2·atanh(t/(2 + t)), t = e^−2|x|, adds two positive terms.
  /// Bound: ≤ ½ ULP + 2⁻³³ relative (+ 2⁻⁵³·δ absolute) before the final rounding, except where
  /// log cosh x ≈ δ (|x| ≈ 6.2e-5): there the result is bounded absolutely, by about
  /// 2⁻⁵³·(|x| + ln 2), which is also the accuracy of the reference's Double evaluation.
  static func logCosh(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    let log2 = Double(Float(0.6931471805599453))
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      WideLog.sum(
        y, p, count: n, padding: 0,
        ordinary: { y, p in WideLog.isFinite(y) .& WideLog.isFinite(p) },
        term: { y, p in
          let (y0, y1) = WideLog.widen(y)
          let (p0, p1) = WideLog.widen(p)
          return (WideLog.logCoshMinusDelta(p0 - y0), WideLog.logCoshMinusDelta(p1 - y1))
        },
        scalar: { y, p in
          let x = Double(p) - Double(y)
          if x.isNaN { return x }
          if x.isInfinite { return .infinity }
          return Swift.abs(x) + log1p(exp(-2 * Swift.abs(x))) - log2
        }) / Double(n)
    }
  }

  /// mean over the last axis of p − y·log(p + eps), eps = Float(1e-7).
  ///
  /// p + eps and the term are formed in Double, the logarithm has relative error below 2⁻³⁴.
  /// Bound: ≤ ½ ULP + (2⁻³⁴·Σ|y·log(p + eps)| + 2⁻⁵²·Σ|terms|) / n before the final rounding: a
  /// relative 2⁻³³ when the terms do not cancel, and an absolute bound scaled by Σ|y·log(p + eps)|
  /// when p and y·log(p + eps) cancel (mixed signs, p ≈ y·log p).
  static func poisson(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    let epsilon = Float(1e-7)
    let negativeEps = SIMD8<Float>(repeating: -epsilon)
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      WideLog.sum(
        y, p, count: n, padding: 1,
        ordinary: { y, p in WideLog.isFinite(y) .& WideLog.isFinite(p) .& (p .> negativeEps) },
        term: { y, p in
          let (y0, y1) = WideLog.widen(y)
          let (p0, p1) = WideLog.widen(p)
          let l0 = WideLog.log(p0 + Double(epsilon))
          let l1 = WideLog.log(p1 + Double(epsilon))
          return (p0 - y0 * l0, p1 - y1 * l1)
        },
        scalar: { y, p in Double(p) - Double(y) * log(Double(p) + Double(epsilon)) }) / Double(n)
    }
  }

  /// Σ over the last axis of y_c·log(y_c / p_c), y_c and p_c clipped to [eps, 1], eps = Float(1e-7).
  ///
  /// log(y_c/p_c) is always one logarithm of the exact ratio (never log y − log p, which cancels
  /// when y ≈ p): the ratio is reduced to 2ᵏ·a/b with a − b exact, and 2·atanh((a − b)/(a + b)).
  ///
  /// - Rows shorter than `WideLog.klFloatLength` (64), where one term's rounding would show in the
  ///   result, form s = (a − b)/(a + b) in Double (`WideLog.klTerms`): each term carries a relative
  ///   error below 2⁻³⁴ + 0.03u. Bound: ≤ ½ ULP + 0.03u·Σ|terms| before the final rounding.
  /// - Longer rows run in Float, eight lanes per vector (`klFloatTerm`): s rounds twice (≤ 1u), the
  ///   logarithm is within about 1.6u of itself plus ½u·|k·ln 2|, the product rounds (½u), and the
  ///   blocks of 32 are summed in Float (≤ 2u·Σ|terms|) and widened to Double. Bound:
  ///   ≤ ½ ULP + 4.5u·Σ|terms| before the final rounding in the worst case; the per-term errors
  ///   are independent and of either sign, so over ≥ 64 terms they average far below ½ ULP
  ///   (measured ≤ 1 ULP: see `LogarithmicKernelTests`).
  ///
  /// Near a zero divergence the terms cancel (Σ y_c·log(y_c/p_c) ≈ 0 with |terms| ≫ 0), so the
  /// bounds are absolute, scaled by Σ|terms|, not relative to the result. A block holding a NaN is
  /// summed in scalar Double (NaN in, NaN out).
  static func klDivergence(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    let epsilon = Float(1e-7)
    let low = SIMD8<Float>(repeating: epsilon)
    let high = SIMD8<Float>(repeating: 1)
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      if n >= WideLog.klFloatLength {
        return WideLog.klFloatLane(y, p, count: n)
      }
      return WideLog.sum(
        y, p, count: n, padding: 1,
        ordinary: { y, p in (y .== y) .& (p .== p) },
        term: { y, p in
          let yc = y.replacing(with: low, where: y .< low).replacing(with: high, where: y .> high)
          let pc = p.replacing(with: low, where: p .< low).replacing(with: high, where: p .> high)
          return WideLog.klTerms(yc, pc)
        },
        scalar: { y, p in
          guard !y.isNaN, !p.isNaN else { return .nan }
          let yc = Double(Swift.min(Swift.max(y, epsilon), 1))
          let pc = Double(Swift.min(Swift.max(p, epsilon), 1))
          return yc * log(yc / pc)
        })
    }
  }
}

/// Double-precision SIMD building blocks of the logarithmic kernels: a logarithm and a log-ratio
/// accurate to 2⁻³⁴ relative, log cosh, and the lane sum with a scalar fallback for special values.
enum WideLog {
  /// ln 2 in Double.
  @usableFromInline static let ln2 = 0x1.62e42fefa39efp-1
  /// The lane length from which KL divergence takes its Float path.
  static var klFloatLength: Int { 64 }
  /// √2 in Double.
  @usableFromInline static let sqrt2 = 0x1.6a09e667f3bcdp0

  /// Σ term over a lane, in blocks of 8 widened to two SIMD4<Double>; blocks with a lane that is not
  /// `ordinary` are summed with `scalar` instead. The tail is padded with `padding` (which must be
  /// ordinary) and the padded lanes are discarded.
  @inline(__always)
  static func sum(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int, padding: Float,
    ordinary: (SIMD8<Float>, SIMD8<Float>) -> SIMDMask<SIMD8<Int32>>,
    term: (SIMD8<Float>, SIMD8<Float>) -> (SIMD4<Double>, SIMD4<Double>),
    scalar: (Float, Float) -> Double
  ) -> Double {
    var (a0, a1, b0, b1) = (SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>())
    var special = 0.0
    var i = 0
    while i + 16 <= count {
      let (y0, p0) = (LaneSum.load(y, i), LaneSum.load(p, i))
      let (y1, p1) = (LaneSum.load(y, i + 8), LaneSum.load(p, i + 8))
      if _fastPath(all(ordinary(y0, p0) .& ordinary(y1, p1))) {
        let (s0, s1) = term(y0, p0)
        let (t0, t1) = term(y1, p1)
        a0 += s0
        a1 += s1
        b0 += t0
        b1 += t1
      } else {
        special += scalarSum(y + i, p + i, count: 16, scalar)
      }
      i += 16
    }
    while i < count {
      let rest = Swift.min(8, count - i)
      var yv = SIMD8<Float>(repeating: padding)
      var pv = SIMD8<Float>(repeating: padding)
      for k in 0..<rest {
        yv[k] = y[i + k]
        pv[k] = p[i + k]
      }
      if all(ordinary(yv, pv)) {
        var (s0, s1) = term(yv, pv)
        if rest < 8 {
          let lane = SIMD4<Int64>(0, 1, 2, 3)
          s0.replace(with: 0, where: lane .>= SIMD4(repeating: Int64(rest)))
          s1.replace(with: 0, where: lane .>= SIMD4(repeating: Int64(rest - 4)))
        }
        a0 += s0
        a1 += s1
      } else {
        special += scalarSum(y + i, p + i, count: rest, scalar)
      }
      i += rest
    }
    return ((a0 + a1) + (b0 + b1)).sum() + special
  }

  /// Σ y_c·log(y_c/p_c) over a lane in Float (by `losses_avx2_kl_sum` where
  /// `InstructionSet.selected` allows): blocks of 32 summed in four SIMD8<Float> terms and a
  /// two-level tree (≤ 2u·Σ|terms| per block), each block widened to Double. A block with a NaN is
  /// summed by `klScalar`; the tail is padded with 1 (a zero term).
  static func klFloatLane(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int) -> Double {
    #if arch(x86_64)
    if InstructionSet.selected == .avx2FMA { return losses_avx2_kl_sum(y, p, count) }
    #endif
    return klFloatLanePortable(y, p, count: count)
  }

  /// `klFloatLane` in Swift SIMD, for any CPU.
  static func klFloatLanePortable(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int) -> Double {
    var (a0, a1) = (SIMD4<Double>(), SIMD4<Double>())
    var special = 0.0
    var i = 0
    while i + 32 <= count {
      let (y0, y1, y2, y3) = (LaneSum.load(y, i), LaneSum.load(y, i + 8), LaneSum.load(y, i + 16), LaneSum.load(y, i + 24))
      let (p0, p1, p2, p3) = (LaneSum.load(p, i), LaneSum.load(p, i + 8), LaneSum.load(p, i + 16), LaneSum.load(p, i + 24))
      let nan = ((y0 .!= y0) .| (p0 .!= p0)) .| ((y1 .!= y1) .| (p1 .!= p1))
        .| ((y2 .!= y2) .| (p2 .!= p2)) .| ((y3 .!= y3) .| (p3 .!= p3))
      if _fastPath(!any(nan)) {
        let t = klFloatTerms(y0, p0, y1, p1) + klFloatTerms(y2, p2, y3, p3)
        let (w0, w1) = widen(t)
        a0 += w0
        a1 += w1
      } else {
        special += scalarSum(y + i, p + i, count: 32, klScalar)
      }
      i += 32
    }
    while i < count {
      let rest = Swift.min(8, count - i)
      var yv = SIMD8<Float>(repeating: 1)
      var pv = SIMD8<Float>(repeating: 1)
      for k in 0..<rest {
        yv[k] = y[i + k]
        pv[k] = p[i + k]
      }
      if any((yv .!= yv) .| (pv .!= pv)) {
        special += scalarSum(y + i, p + i, count: rest, klScalar)
      } else {
        let (w0, w1) = widen(klFloatTerm(yv, pv))
        a0 += w0
        a1 += w1
      }
      i += rest
    }
    return (a0 + a1).sum() + special
  }

  /// The reference's KL term in Double, NaN included.
  static func klScalar(_ y: Float, _ p: Float) -> Double {
    guard !y.isNaN, !p.isNaN else { return .nan }
    let yc = Double(Swift.min(Swift.max(y, Float(1e-7)), 1))
    let pc = Double(Swift.min(Swift.max(p, Float(1e-7)), 1))
    return yc * libmLog(yc / pc)
  }

  /// The sum of the KL terms of two blocks of eight lanes without NaN: two independent chains in
  /// one call, for the instruction-level parallelism the division and polynomial latencies need.
  @inline(never)
  static func klFloatTerms(
    _ y0: SIMD8<Float>, _ p0: SIMD8<Float>, _ y1: SIMD8<Float>, _ p1: SIMD8<Float>
  ) -> SIMD8<Float> {
    klFloatTermInline(y0, p0) + klFloatTermInline(y1, p1)
  }

  /// y_c·log(y_c/p_c) in Float for eight lanes without NaN.
  ///
  /// y_c = 2^ky·a and p_c = 2^kp·b with a, b ∈ [√½, √2) (integer operations, exact), then
  /// log(y_c/p_c) = k·ln 2 + 2·atanh(s), s = (a − b)/(a + b) ∈ (−⅓, ⅓): a − b is exact (Sterbenz),
  /// the sum and the quotient round (≤ 1u relative in s), the series 2s + 2s³/3 + … + 2s¹³/13 is
  /// truncated below 2⁻²⁶ relative and its tail (≤ 4% of 2s) adds ≤ 0.1u; k·ln 2 is split so that
  /// k·ln2Hi is exact. Error: ≤ about 1.6u relative to the logarithm plus ½u of the product.
  ///
  /// Not inlined: inlined into the block loop, LLVM's SLP pass splits part of it into scalar code.
  @inline(never)
  static func klFloatTerm(_ y: SIMD8<Float>, _ p: SIMD8<Float>) -> SIMD8<Float> {
    klFloatTermInline(y, p)
  }

  @inline(__always)
  static func klFloatTermInline(_ y: SIMD8<Float>, _ p: SIMD8<Float>) -> SIMD8<Float> {
    let yc = clipToUnit(y)
    let pc = clipToUnit(p)
    let iy = unsafeBitCast(yc, to: SIMD8<Int32>.self) &- 0x3F35_04F3
    let ip = unsafeBitCast(pc, to: SIMD8<Int32>.self) &- 0x3F35_04F3
    let a = unsafeBitCast((iy & 0x007F_FFFF) &+ 0x3F35_04F3, to: SIMD8<Float>.self)
    let b = unsafeBitCast((ip & 0x007F_FFFF) &+ 0x3F35_04F3, to: SIMD8<Float>.self)
    let k = SIMD8<Float>((iy &>> 23) &- (ip &>> 23))
    let s = (a - b) / (a + b)
    let z = s * s
    let z2 = z * z
    // Estrin's scheme: a dependency chain of 6 operations where Horner's rule has 10.
    let q01: SIMD8<Float> = z * (2.0 / 5) + 2.0 / 3
    let q23: SIMD8<Float> = z * (2.0 / 9) + 2.0 / 7
    let q45: SIMD8<Float> = z * (2.0 / 13) + 2.0 / 11
    let q = q01 + z2 * (q23 + z2 * q45)
    let tail = (s * z) * q
    return yc * (k * 0x1.62e400p-1 + ((s + s) + (tail + k * 0x1.7f7d1cp-20)))
  }

  /// `x` clipped to [1e-7, 1] (NaN-blind: lanes with NaN never reach the Float path).
  ///
  /// Written on the SIMD4 halves: there LLVM makes each select one `maxps` or `minps`, but it
  /// lowers the SIMD8 selects on the baseline target to compares, mask packing and bitwise blends.
  @inline(__always)
  static func clipToUnit(_ x: SIMD8<Float>) -> SIMD8<Float> {
    @inline(__always)
    func clip(_ v: SIMD4<Float>) -> SIMD4<Float> {
      let low = SIMD4<Float>(repeating: Float(1e-7))
      let one = SIMD4<Float>(repeating: 1)
      let a = v.replacing(with: low, where: v .< low)
      return a.replacing(with: one, where: one .< a)
    }
    return SIMD8<Float>(lowHalf: clip(x.lowHalf), highHalf: clip(x.highHalf))
  }

  @inline(never)
  static func scalarSum(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int, _ scalar: (Float, Float) -> Double
  ) -> Double {
    var total = 0.0
    for k in 0..<count { total += scalar(y[k], p[k]) }
    return total
  }

  /// libm's log in Double (the name `log` is taken by the SIMD overload here).
  static func libmLog(_ x: Double) -> Double { Glibc.log(x) }

  /// Lanes that are neither NaN nor ±∞.
  @inline(__always)
  static func isFinite(_ x: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>> {
    Elementwise.abs(x) .< .infinity
  }

  /// The larger of two Doubles, NaN when either is NaN.
  static func maximum(_ a: Double, _ b: Double) -> Double {
    a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
  }

  /// The eight lanes as two SIMD4<Double> (exact).
  @inline(__always)
  static func widen(_ v: SIMD8<Float>) -> (SIMD4<Double>, SIMD4<Double>) {
    let (l, h) = (v.lowHalf, v.highHalf)
    return (
      SIMD4(Double(l[0]), Double(l[1]), Double(l[2]), Double(l[3])),
      SIMD4(Double(h[0]), Double(h[1]), Double(h[2]), Double(h[3]))
    )
  }

  /// x = 2ᵏ·m with m ∈ [√½, √2), for positive normal finite x; k is returned as a Double. Exact.
  @inline(__always)
  static func reduce(_ x: SIMD4<Double>) -> (k: SIMD4<Double>, m: SIMD4<Double>) {
    let bits = unsafeBitCast(x, to: SIMD4<UInt64>.self)
    // Adding 0x3FF0… − bits(√½) carries into the exponent exactly when the significand ≥ √2/2·2.
    let biased = (bits &+ 0x0009_5F61_9980_C433) &>> 52
    let m = unsafeBitCast(bits &- ((biased &- 1023) &<< 52), to: SIMD4<Double>.self)
    let k = unsafeBitCast(biased | 0x4330_0000_0000_0000, to: SIMD4<Double>.self) - (0x1p52 + 1023)
    return (k, m)
  }

  /// 2·atanh(s) = log((1 + s)/(1 − s)) for |s| ≤ 0.172, by its series to s¹¹: the truncation is
  /// below s¹²/13·(1 + s²) ≤ 2⁻³⁴·² relative; evaluation adds a few 2⁻⁵³.
  @inline(__always)
  static func twiceAtanh(_ s: SIMD4<Double>) -> SIMD4<Double> {
    let z = s * s
    var q = z * (2.0 / 11) + 2.0 / 9
    q = q * z + 2.0 / 7
    q = q * z + 2.0 / 5
    q = q * z + 2.0 / 3
    q = q * z
    return s * q + (s + s)
  }

  /// log x for positive normal finite x; relative error below 2⁻³⁴ (absolute ≤ 2⁻⁵³·|k·ln 2|).
  @inline(__always)
  static func log(_ x: SIMD4<Double>) -> SIMD4<Double> {
    let (k, m) = reduce(x)
    return k * ln2 + twiceAtanh((m - 1) / (m + 1))
  }

  /// log(a/b) for positive normal finite a and b, without forming the ratio and without cancellation
  /// when a ≈ b: relative error below 2⁻³⁴ + 4·2⁻⁵³.
  @inline(__always)
  static func logRatio(_ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> {
    let (ka, ma0) = reduce(a)
    let (kb, mb) = reduce(b)
    // ma/mb ∈ (½, 2): one halving or doubling brings it into [√½, √2].
    let high = ma0 .> mb * sqrt2
    let low = ma0 * sqrt2 .< mb
    let ma = ma0.replacing(with: ma0 * 0.5, where: high).replacing(with: ma0 + ma0, where: low)
    let k = (ka - kb) + SIMD4<Double>().replacing(with: 1, where: high).replacing(with: -1, where: low)
    // ma − mb is exact (Sterbenz); the quotient rounds twice.
    return k * ln2 + twiceAtanh((ma - mb) / (ma + mb))
  }

  /// The two KL terms y·log(y/p) of eight lanes clipped to [eps, 1] (no NaN).
  ///
  /// The reduction runs in Float, eight lanes at a time: y = 2^ey·a, p = 2^ep·b with a, b ∈ [1, 2),
  /// then one halving or doubling of a puts a/b in [√½, √2]; all exact. s = (a − b)/(a + b) is
  /// formed in Double (a − b and a + b exact, one rounding in the quotient), and
  /// log(y/p) = k·ln 2 + 2s + T where the tail T = 2s³/3 + 2s⁵/5 + … + 2s¹¹/11 is ≤ 1% of 2s and
  /// is evaluated in Float (its rounding errors, ≈ 2u·|T|, are ≤ 0.02u of the logarithm; the
  /// truncation is below 2⁻³⁴ relative).
  @inline(__always)
  static func klTerms(_ y: SIMD8<Float>, _ p: SIMD8<Float>) -> (SIMD4<Double>, SIMD4<Double>) {
    let yBits = unsafeBitCast(y, to: SIMD8<Int32>.self)
    let pBits = unsafeBitCast(p, to: SIMD8<Int32>.self)
    var k = (yBits &>> 23) &- (pBits &>> 23)
    let a0 = unsafeBitCast((yBits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD8<Float>.self)
    let b = unsafeBitCast((pBits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD8<Float>.self)
    let high = a0 .> b * Float(sqrt2)
    let low = a0 * Float(sqrt2) .< b
    let a = a0.replacing(with: a0 * 0.5, where: high).replacing(with: a0 + a0, where: low)
    k = k &- unsafeBitCast(high, to: SIMD8<Int32>.self) &+ unsafeBitCast(low, to: SIMD8<Int32>.self)
    let (wa0, wa1) = widen(a)
    let (wb0, wb1) = widen(b)
    let s0 = (wa0 - wb0) / (wa0 + wb0)
    let s1 = (wa1 - wb1) / (wa1 + wb1)
    let (l0, h0) = (SIMD4<Float>(Float(s0[0]), Float(s0[1]), Float(s0[2]), Float(s0[3])), s1)
    let sf = SIMD8<Float>(lowHalf: l0, highHalf: SIMD4<Float>(Float(h0[0]), Float(h0[1]), Float(h0[2]), Float(h0[3])))
    let z = sf * sf
    var q = z * (2.0 / 11) + 2.0 / 9
    q = q * z + 2.0 / 7
    q = q * z + 2.0 / 5
    q = q * z + 2.0 / 3
    let tail = (sf * z) * q
    let (t0, t1) = widen(tail)
    let (k0, k1) = widen(SIMD8<Float>(k))
    let (y0, y1) = widen(y)
    return (y0 * (k0 * ln2 + ((s0 + s0) + t0)), y1 * (k1 * ln2 + ((s1 + s1) + t1)))
  }

  /// log cosh x − (Float(ln 2) − ln 2) for finite x (see `Float32Loss.logCosh`).
  @inline(__always)
  static func logCoshMinusDelta(_ x: SIMD4<Double>) -> SIMD4<Double> {
    let delta = 0x1.05c610ca86c39p-29  // Float(ln 2) − ln 2
    let log2f = Double(Float(0.6931471805599453))
    let a = unsafeBitCast(unsafeBitCast(x, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: SIMD4<Double>.self)
    let small = a .<= 0.875
    // e^arg − 1 (small) or e^arg (large), arg = a or −2·min(a, 40).
    let arg = (-2 * a.replacing(with: 40, where: a .> 40)).replacing(with: a, where: small)
    let shifter = SIMD4<Double>(repeating: 0x1.8p52)
    let t = arg * 0x1.71547652b82fep0 + shifter
    let kf = t - shifter
    let r = (arg - kf * 0x1.62e42feep-1) - kf * 0x1.a39ef35793c76p-33
    var e = r * (1.0 / 3_628_800) + 1.0 / 362_880
    e = e * r + 1.0 / 40320
    e = e * r + 1.0 / 5040
    e = e * r + 1.0 / 720
    e = e * r + 1.0 / 120
    e = e * r + 1.0 / 24
    e = e * r + 1.0 / 6
    e = e * r + 0.5
    let em1 = (r * r) * e + r  // e^r − 1
    let kBits = unsafeBitCast(t, to: SIMD4<UInt64>.self) &- unsafeBitCast(shifter, to: SIMD4<UInt64>.self)
    let scale = unsafeBitCast((kBits &+ 1023) &<< 52, to: SIMD4<Double>.self)
    let value = scale * em1 + (scale - 1).replacing(with: scale, where: .!small)
    let q = value / (value + 2)
    let series = twiceAtanh(q.replacing(with: q * q, where: small))
    return ((a - log2f) + series).replacing(with: series - delta, where: small)
  }
}
