//===--- BinaryCrossentropy+Splits.swift ----------------------------------===//
//
// The binary crossentropies written as `linear ± log(operand)`, for lanes
// whose logarithms add up as the logarithm of one product (`LogProductSplit`).
//
//===----------------------------------------------------------------------===//

/// Probabilities with labels 0 and 1: the term is −log f, f = p_c where y = 1 and 1 − p_c where
/// y = 0 (p_c = clip(p, eps, 1 − eps)), and Σ log f is the log of Π f (`LogProduct`).
///
/// f = (1 − y) + p_c·(2y − 1) is formed from two exact Floats and added exactly in Double (p_c
/// and 1 − p_c need at most 48 bits), so each factor is exact and the lane's sum is within
/// (1 + 10/n)·2⁻²⁹ relative (`LogProduct`): the mean, rounded once, within ½ ulp + 2⁻²⁹.
struct HardLabelProbabilitySplit: LogProductSplit {
  typealias Logs = LogProduct
  static var hasLinearPart: Bool { false }
  static var logSign: Double { -1 }
  static var padding: (y: Float, p: Float) { (0, 0.5) }

  /// `domain` takes |y·(1 − y)| (zero exactly for labels 0 and 1) and p·0 (NaN for p = ±∞, NaN).
  @inline(__always)
  func split(
    _ y: SIMD8<Float>, _ p: SIMD8<Float>, domain: inout SIMD8<Float>
  ) -> (linear: SIMD8<Double>, operand: SIMD8<Double>) {
    domain += Elementwise.abs(y * (1 - y)) + p * 0
    let pc = CrossentropyMath.clipProbability(p)
    return (SIMD8<Double>(), CrossentropyMath.widen(1 - y) + CrossentropyMath.widen(pc * (y + y - 1)))
  }
}

/// Logits with labels 0 and 1: the term is softplus(s), s = x where y = 0 and −x where y = 1,
/// = max(s, 0) + log(1 + e^−|x|); the logs add up through `Log1pProduct`.
///
/// max(s, 0) is an exact Float (summed in Double); v = e^−|x| comes from `expWide` (0.4u
/// relative). Both parts are non-negative and log(1 + v) carries v's relative error at most, so
/// each term is within 0.4u and the mean, rounded once, within 0.9 ulp.
struct HardLabelLogitSplit: LogProductSplit {
  typealias Logs = Log1pProduct
  static var hasLinearPart: Bool { true }
  static var logSign: Double { 1 }
  static var padding: (y: Float, p: Float) { (0, 0) }

  /// `domain` takes |y·(1 − y)| and max(|x| − 86, 0) (NaN for NaN).
  @inline(__always)
  func split(
    _ y: SIMD8<Float>, _ x: SIMD8<Float>, domain: inout SIMD8<Float>
  ) -> (linear: SIMD8<Double>, operand: SIMD8<Double>) {
    let a = Elementary._negativeAbs(x)
    domain += Elementwise.abs(y * (1 - y)) + CrossentropyMath.maximum(-a - 86, .zero)
    let s = x * (1 - (y + y))
    return (CrossentropyMath.widen(CrossentropyMath.maximum(s, .zero)), CrossentropyMath.expWide(a))
  }
}

/// Logits with any labels (and label smoothing): max(x, 0) − t·x in Double (t·x exact when t = y)
/// plus log(1 + e^−|x|) through `Log1pProduct`. For t ∈ [0, 1] both parts are non-negative: each
/// term within 0.4u, the mean within 0.9 ulp.
struct SoftLabelLogitSplit: LogProductSplit {
  typealias Logs = Log1pProduct
  static var hasLinearPart: Bool { true }
  static var logSign: Double { 1 }
  static var padding: (y: Float, p: Float) { (0, 0) }

  let smoothing: BinarySmoothing

  /// `domain` takes max(|x| − 86, 0) and y·0 (NaN for NaN and ±∞ labels).
  @inline(__always)
  func split(
    _ y: SIMD8<Float>, _ x: SIMD8<Float>, domain: inout SIMD8<Float>
  ) -> (linear: SIMD8<Double>, operand: SIMD8<Double>) {
    let a = Elementary._negativeAbs(x)
    domain += CrossentropyMath.maximum(-a - 86, .zero) + y * 0
    let t = smoothing(CrossentropyMath.widen(y))
    let linear = CrossentropyMath.widen(CrossentropyMath.maximum(x, .zero)) - t * CrossentropyMath.widen(x)
    return (linear, CrossentropyMath.expWide(a))
  }
}
