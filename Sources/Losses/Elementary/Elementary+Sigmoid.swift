//===--- Elementary+Sigmoid.swift -----------------------------------------===//
//
// softplus, log-sigmoid and sigmoid, built on the exp and log1p cores in the
// overflow-free forms of spec/numerics.md.
//
//===----------------------------------------------------------------------===//

extension Elementary {
  // MARK: softplus

  /// `softplus(x) = log(1 + eˣ)` in each lane, computed without overflow as
  /// `max(x, 0) + log1p(e^−|x|)`.
  ///
  /// Error: `t = e^−|x|` carries < 1 ulp; `log1p` has relative condition
  /// `t / ((1 + t)·log1p(t)) ≤ 1` on `[0, 1]`, so that becomes < 1 ulp of
  /// `log1p(t)`, plus its own < 1 ulp; adding `max(x, 0)` (same sign, so no
  /// cancellation) rounds once more. Bound: 2.5 ulp. Exhaustively over all
  /// 2³² inputs: **max 1.7500 ulp** (worst input `−1.2647303`,
  /// `0xbfa1e2af`).
  ///
  /// Edge cases: `softplus(+∞) = +∞`, `softplus(−∞) = +0`,
  /// `softplus(NaN)` is NaN; `softplus(x) = x` for `x ≳ 16.6` and `eˣ`
  /// (subnormal included) for `x ≲ −17`.
  ///
  /// - Parameter x: Any Float values.
  /// - Returns: `log(1 + eˣ)` in each lane.
  @inlinable
  public static func softplus(_ x: SIMD8<Float>) -> SIMD8<Float> {
    _softplus(x)
  }

  /// The body of `softplus(_:)`, always inlined.
  @inlinable @inline(__always)
  static func _softplus(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let t = _exp(_negativeAbs(x))
    let y = x.replacing(with: 0, where: .!(x .> 0)) + _log1pCore(t)
    return y.replacing(with: x, where: x .!= x)
  }

  /// `softplus(x) = log(1 + eˣ)`: the same algorithm and bit-identical
  /// results as the `SIMD8<Float>` overload, for loop tails.
  ///
  /// - Parameter x: Any Float value.
  /// - Returns: `log(1 + eˣ)`.
  @inlinable
  public static func softplus(_ x: Float) -> Float {
    _softplus(x)
  }

  /// The body of `softplus(_:)`, always inlined.
  @inlinable @inline(__always)
  static func _softplus(_ x: Float) -> Float {
    let t = _exp(_negativeAbs(x))
    let y = (x > 0 ? x : 0) + _log1pCore(t)
    return x != x ? x : y
  }

  // MARK: logSigmoid

  /// `log σ(x) = −softplus(−x) = min(x, 0) − log1p(e^−|x|)` in each lane.
  ///
  /// The error is that of `softplus(−x)` (negation is exact): bound 2.5 ulp,
  /// exhaustively **max 1.7500 ulp** (worst input `1.2647303`,
  /// `0x3fa1e2af`). Edge cases:
  /// `logSigmoid(+∞) = −0`, `logSigmoid(−∞) = −∞`, NaN is NaN.
  ///
  /// - Parameter x: Any Float values.
  /// - Returns: `log(1 / (1 + e^−x))` in each lane.
  @inlinable
  public static func logSigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // −softplus(−x) = min(x, −0) − log1p(e^−|x|), bit for bit (rounding is
    // symmetric), written out because LLVM scalarises the double negation.
    let t = _exp(_negativeAbs(x))
    let y = x.replacing(with: -0.0, where: .!(x .< 0)) - _log1pCore(t)
    return y.replacing(with: x, where: x .!= x)
  }

  /// `log σ(x) = −softplus(−x)`: the same algorithm and bit-identical results
  /// as the `SIMD8<Float>` overload, for loop tails.
  ///
  /// - Parameter x: Any Float value.
  /// - Returns: `log(1 / (1 + e^−x))`.
  @inlinable
  public static func logSigmoid(_ x: Float) -> Float {
    let t = _exp(_negativeAbs(x))
    let y = (x < 0 ? x : -0.0) - _log1pCore(t)
    return x != x ? x : y
  }

  // MARK: sigmoid

  /// The logistic function `σ(x) = 1 / (1 + e^−x)` in each lane, computed as
  /// `1 / (1 + t)` for `x ≥ 0` and `t / (1 + t)` for `x < 0`, `t = e^−|x|`,
  /// so it neither overflows nor loses the subnormal tail for `x ≪ 0`.
  ///
  /// Error: `t` < 1 ulp (its effect halved by `t/(1 + t) ≤ ½` for `x ≥ 0`),
  /// `1 + t` and the division round once each: about 2 units of 2⁻²⁴
  /// relative, up to twice that in ulps at the bottom of a binade. Bound:
  /// 3 ulp. Exhaustively over all 2³² inputs: **max 2.4019 ulp** (worst
  /// input `−4.157294`, `0xc085088d`).
  ///
  /// Edge cases: `σ(±0) = 0.5`, `σ(+∞) = 1`, `σ(−∞) = +0`, `σ(NaN)` is NaN.
  ///
  /// - Parameter x: Any Float values.
  /// - Returns: `1 / (1 + e^−x)` in each lane.
  @inlinable
  public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let t = _exp(_negativeAbs(x))
    let numerator = t.replacing(with: 1, where: x .>= 0)
    return numerator / (1 + t)
  }

  /// The logistic function `σ(x) = 1 / (1 + e^−x)`: the same algorithm and
  /// bit-identical results as the `SIMD8<Float>` overload, for loop tails.
  ///
  /// - Parameter x: Any Float value.
  /// - Returns: `1 / (1 + e^−x)`.
  @inlinable
  public static func sigmoid(_ x: Float) -> Float {
    let t = _exp(_negativeAbs(x))
    let numerator = x >= 0 ? 1 : t
    return numerator / (1 + t)
  }
}
