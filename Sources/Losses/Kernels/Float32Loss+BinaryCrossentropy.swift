//===--- Float32Loss+BinaryCrossentropy.swift -----------------------------===//
//
// Binary crossentropy (probabilities and logits) and binary focal
// crossentropy: SIMD8 terms with a fused clip-and-log, per-element values in
// Double, averaged over `axis`.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

extension Float32Loss {
  /// mean over `axis` of the binary crossentropy of each element.
  ///
  /// ```
  /// t = y·(1 − ls) + ls/2                     (y when ls = 0; in Double)
  /// probabilities: p_c = clip(p, eps, 1 − eps), term = −(t·log p_c + (1 − t)·log1p(−p_c))
  /// logits:        term = t·softplus(−x) + (1 − t)·softplus(x)
  ///                     = (max(x, 0) − t·x) + log1p(e^−|x|)
  /// ```
  ///
  /// Lanes of at least 16 elements sum their logs as the log of one product (`LogProductSplit`):
  /// from probabilities with labels 0 and 1 and no smoothing, Π f with f = p_c or 1 − p_c exact in
  /// Double (`HardLabelProbabilitySplit`, within ½ ulp plus 2⁻²⁹ relative); from logits within ±86,
  /// Π(1 + e^−|x|) − 1 beside the linear parts (`HardLabelLogitSplit`, `SoftLabelLogitSplit`,
  /// within 0.9 ulp). Other lanes take their terms one by one: from probabilities, a vector
  /// whose labels are all 0 or 1 (and ls = 0) needs one log per element: `log(p_c)` where t = 1
  /// and `log1p(−p_c) = log(u) + log(1 + e/u)` where t = 0, u = 1 − p_c rounded and e its exact
  /// rounding error (Fast2Sum), both through one call of the log core on the selected argument.
  /// Other labels take both logs and combine them in Double. From logits, `max(x, 0) − t·x ≥ 0`
  /// and `log1p(e^−|x|) > 0` are both non-negative for t ∈ [0, 1], so the sum has no
  /// cancellation; the first part is exact in Float for t ∈ {0, 1} (`max(±x, 0)`) and computed in
  /// Double otherwise; the second comes from an exp that keeps its rounding tail (2⁻²⁷ relative).
  /// Every log is `CrossentropyMath.logWide`: Elementary's reduction and polynomial with the final
  /// assembly in Double, never rounded to Float.
  ///
  /// Error bound (u = 2⁻²⁴, t ∈ [0, 1]). Each element's term is the sum of non-negative parts,
  /// each within 0.3u relative (`logWide`; `log1p(e^−|x|)` adds 2⁻²⁷ = 0.125u); the combination
  /// and the mean are in Double (2⁻⁵³ each). So the mean before its final rounding is within
  /// 0.43u relative of the exact mean, ≤ 0.43 ulp, and the returned Float within 0.93 ulp.
  /// Labels outside [0, 1] make t·A and (1 − t)·B of opposite sign: then the bound is
  /// 0.43u·(|t|·A + |1 − t|·B) absolute, relative to the result only as far as they cancel.
  ///
  /// Non-finite predictions (or logits) route their lane to a scalar Double evaluation of Keras's
  /// formula, so NaN and ±∞ behave exactly as in the reference.
  static func binaryCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, fromLogits: Bool, labelSmoothing: Float, axis: Int, needsValues: Bool
  ) throws -> PerSampleLosses {
    if fromLogits {
      return try elementwiseMeans(
        yTrue, yPred, axis: axis, needsValues: needsValues, BinaryLogitTerm(labelSmoothing: labelSmoothing))
    }
    return try elementwiseMeans(
      yTrue, yPred, axis: axis, needsValues: needsValues, BinaryProbabilityTerm(labelSmoothing: labelSmoothing))
  }

  /// mean over `axis` of (1 − p_t)^γ · bce, times t·α + (1 − t)·(1 − α) with class balancing.
  ///
  /// ```
  /// p = σ(x) from logits, else y_pred;  bce = −(t·log p_c + (1 − t)·log1p(−p_c)), p_c = clip(p)
  /// 1 − p_t = t·(1 − p) + (1 − t)·p      (unclipped p; from logits 1 − p = σ(−x))
  /// ```
  ///
  /// From logits the clipped crossentropy is evaluated without forming p: where σ(x) lies in
  /// [eps, 1 − eps], log p_c = −softplus(−x) and log1p(−p_c) = −softplus(x), both
  /// `max(∓x, 0) + log1p(e^−|x|)` as in the logits crossentropy; outside, Keras's constants
  /// log(eps), log1p(−eps), log(1 − eps), log(2⁻²³). σ(±x) come from `e^−|x|` with its tail
  /// (2⁻²⁷ relative) divided in Double.
  ///
  /// Error bound: bce as in `binaryCrossentropy` (< 1 ulp of Float relative, up to cancellation for
  /// labels outside [0, 1]); 1 − p_t is exact in Double from probabilities and within 2⁻²⁷
  /// relative from logits, so (1 − p_t)^γ carries γ·2⁻²⁷; products in Double. Per element < 1.2
  /// ulp before the final rounding; the returned mean within 1.7 ulp, typically ≤ 1.
  static func binaryFocalCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, applyClassBalancing: Bool, alpha: Float, gamma: Float, fromLogits: Bool,
    labelSmoothing: Float, axis: Int, needsValues: Bool
  ) throws -> PerSampleLosses {
    let focal = BinaryFocal(
      labelSmoothing: labelSmoothing, gamma: gamma, alpha: applyClassBalancing ? Double(alpha) : nil)
    if fromLogits {
      return try elementwiseMeans(yTrue, yPred, axis: axis, needsValues: needsValues, BinaryFocalLogitTerm(focal))
    }
    return try elementwiseMeans(
      yTrue, yPred, axis: axis, needsValues: needsValues, BinaryFocalProbabilityTerm(focal))
  }
}

// MARK: - Shared pieces

/// Binary label smoothing, t = y·(1 − ls) + ½·ls in Double (y when ls is 0, as Keras skips it).
struct BinarySmoothing {
  let isOff: Bool
  let scale: Double
  let shift: Double

  init(_ labelSmoothing: Float) {
    isOff = labelSmoothing == 0
    scale = 1 - Double(labelSmoothing)
    shift = 0.5 * Double(labelSmoothing)
  }

  @inline(__always)
  func callAsFunction(_ y: SIMD8<Double>) -> SIMD8<Double> {
    isOff ? y : y * scale + shift
  }

  @inline(__always)
  func callAsFunction(_ y: Double) -> Double {
    isOff ? y : y * scale + shift
  }

  /// Whether every lane of `y` is 0 or 1 and no smoothing applies: the one-log fast path.
  ///
  /// Tested as Σ|y·(1 − y)| = 0 (zero exactly when each lane is 0 or 1; NaN and ∞ are not), not
  /// with `all(_:)`, which is an out-of-line call here.
  @inline(__always)
  func isHard(_ y: SIMD8<Float>) -> Bool {
    isOff && CrossentropyMath.isZero(Elementwise.abs(y * (1 - y)))
  }
}

extension CrossentropyMath {
  /// Keras's `clip` of one Double to [eps, 1 − eps] (float32 constants); NaN stays NaN.
  @inline(__always)
  static func clipProbability(_ p: Double) -> Double {
    if p.isNaN { return p }
    return Swift.min(Swift.max(p, Double(epsilon)), Double(oneMinusEpsilon))
  }

  /// Eight Doubles clipped to [eps, 1 − eps] (NaN-blind; finite rows only).
  @inline(__always)
  static func clipProbability(_ o: SIMD8<Double>) -> SIMD8<Double> {
    let low = SIMD8<Double>(repeating: Double(epsilon))
    let high = SIMD8<Double>(repeating: Double(oneMinusEpsilon))
    let a = o.replacing(with: low, where: o .< low)
    return a.replacing(with: high, where: a .> high)
  }

  /// −(t·log p_c + (1 − t)·log1p(−p_c)) in Double, p_c = clip(p): the careful binary crossentropy.
  @inline(__always)
  static func clippedBinaryCrossentropy(_ t: Double, _ p: Double) -> Double {
    let pc = clipProbability(p)
    return -(t * log(pc) + (1 - t) * log1p(-pc))
  }

  /// softplus in Double: max(x, 0) + log1p(e^−|x|), +∞ and NaN passed through.
  @inline(__always)
  static func softplus(_ x: Double) -> Double {
    if x.isNaN || x == .infinity { return x }
    return Swift.max(x, 0) + log1p(exp(-Swift.abs(x)))
  }

  /// σ(x) in Double, on the side where the exponential cannot overflow.
  @inline(__always)
  static func sigmoid(_ x: Double) -> Double {
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
  }

  /// (log p_c, log1p(−p_c)) for p_c = clip(p) on eight probabilities, fused: one pass of
  /// `1 − p_c` with its exact tail feeds `log1p`.
  @inline(__always)
  static func clippedLogs(_ p: SIMD8<Float>) -> (log: SIMD8<Float>, log1m: SIMD8<Float>) {
    let pc = clipProbability(p)
    let u = 1 - pc
    let tail = (-pc) - (u - 1)  // Fast2Sum: |1| ≥ p_c, exact
    return (
      Elementary._logCore(pc, correction: .zero, extraK: .zero),
      Elementary._logCore(u, correction: tail / u, extraK: .zero)
    )
  }
}

// MARK: - Terms

/// The clipped binary crossentropy of probabilities.
struct BinaryProbabilityTerm: CrossentropyElementTerm {
  let smoothing: BinarySmoothing

  init(labelSmoothing: Float) {
    smoothing = BinarySmoothing(labelSmoothing)
  }

  /// Labels 0 and 1 without smoothing (the first eight tell whether to try): the lane's logs add
  /// up as the log of one product.
  func fastLaneSum(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int) -> Double? {
    #if arch(x86_64)
    if InstructionSet.selected == .avx2FMA { return fastLaneSumAVX2(y, p, count: count) }
    #endif
    return fastLaneSumPortable(y, p, count: count)
  }

  /// `fastLaneSum` in Swift SIMD.
  func fastLaneSumPortable(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int) -> Double? {
    smoothing.isHard(CrossentropyMath.load(y, 0)) ? HardLabelProbabilitySplit().logProductSum(y, p, count: count) : nil
  }

  @inline(__always)
  func terms(_ y: SIMD8<Float>, _ p: SIMD8<Float>, check: inout SIMD8<Float>) -> SIMD8<Double> {
    check += p
    let pc = CrossentropyMath.clipProbability(p)
    let u = 1 - pc
    let tail = (-pc) - (u - 1)  // Fast2Sum: |1| ≥ p_c, exact
    if smoothing.isHard(y) {
      // Fused clip-and-log: log p_c where y = 1, log u + tail/u = log1p(−p_c) where y = 0.
      let one = y .== 1
      let argument = u.replacing(with: pc, where: one)
      let correction = (tail / u).replacing(with: 0, where: one)
      return -CrossentropyMath.logWide(argument, correction: correction)
    }
    let logP = CrossentropyMath.logWide(pc, correction: .zero)
    let log1mP = CrossentropyMath.logWide(u, correction: tail / u)
    let t = smoothing(CrossentropyMath.widen(y))
    return -(t * logP + (1 - t) * log1mP)
  }

  func careful(_ y: Float, _ p: Float) -> Double {
    CrossentropyMath.clippedBinaryCrossentropy(smoothing(Double(y)), Double(p))
  }
}

/// The binary crossentropy of logits, t·softplus(−x) + (1 − t)·softplus(x).
struct BinaryLogitTerm: CrossentropyElementTerm {
  let smoothing: BinarySmoothing

  init(labelSmoothing: Float) {
    smoothing = BinarySmoothing(labelSmoothing)
  }

  var padding: (y: Float, p: Float) { (0, 0) }

  /// Lanes whose logits stay within ±86: the log(1 + e^−|x|) add up as the log of one product,
  /// with the hard-label split where the first eight labels are 0 or 1 (and no smoothing); by
  /// `fastLaneSumAVX2` where `InstructionSet.selected` allows.
  func fastLaneSum(_ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) -> Double? {
    #if arch(x86_64)
    if InstructionSet.selected == .avx2FMA { return fastLaneSumAVX2(y, x, count: count) }
    #endif
    return fastLaneSumPortable(y, x, count: count)
  }

  /// `fastLaneSum` in Swift SIMD.
  func fastLaneSumPortable(_ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) -> Double? {
    if smoothing.isHard(CrossentropyMath.load(y, 0)),
      let sum = HardLabelLogitSplit().logProductSum(y, x, count: count)
    {
      return sum
    }
    return SoftLabelLogitSplit(smoothing: smoothing).logProductSum(y, x, count: count)
  }

  @inline(__always)
  func terms(_ y: SIMD8<Float>, _ x: SIMD8<Float>, check: inout SIMD8<Float>) -> SIMD8<Double> {
    check += x
    // Beyond |x| ≈ 87.3, e^−|x| is subnormal in Float and would be rounded there (a weight can
    // scale that error back into the normal range): such vectors, rare, take the Double formula.
    if CrossentropyMath.horizontalMax(Elementwise.abs(x)) > 87.3 { return carefulTerms(y, x) }
    let tail = CrossentropyMath.log1pExpWide(Elementary._negativeAbs(x))
    if smoothing.isHard(y) {
      // max(x, 0) − t·x = max(s, 0), s = −x where t = 1 and x where t = 0: exact.
      let s = x.replacing(with: -x, where: y .== 1)
      return CrossentropyMath.widen(s.replacing(with: 0, where: s .< 0)) + tail
    }
    let xD = CrossentropyMath.widen(x)
    let t = smoothing(CrossentropyMath.widen(y))
    return (xD.replacing(with: 0, where: xD .< 0) - t * xD) + tail
  }

  func careful(_ y: Float, _ x: Float) -> Double {
    let t = smoothing(Double(y))
    return t * CrossentropyMath.softplus(-Double(x)) + (1 - t) * CrossentropyMath.softplus(Double(x))
  }

  /// `careful` in each lane (out of line: the hot loop stays free of its scalar code).
  @inline(never)
  func carefulTerms(_ y: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Double> {
    var result = SIMD8<Double>()
    for k in 0..<8 { result[k] = careful(y[k], x[k]) }
    return result
  }
}

/// The focal options: smoothing, γ, and α when class balancing is on.
struct BinaryFocal {
  let smoothing: BinarySmoothing
  let gamma: Float
  let alpha: Double?

  init(labelSmoothing: Float, gamma: Float, alpha: Double?) {
    smoothing = BinarySmoothing(labelSmoothing)
    self.gamma = gamma
    self.alpha = alpha
  }

  /// (1 − p_t)^γ · bce, times the class balance.
  @inline(__always)
  func weighted(_ bce: SIMD8<Double>, oneMinusPt: SIMD8<Double>, t: SIMD8<Double>) -> SIMD8<Double> {
    var focal = CrossentropyMath.power(oneMinusPt, gamma) * bce
    if let alpha {
      focal *= t * alpha + (1 - t) * (1 - alpha)
    }
    return focal
  }

  /// The same for one element, in Double.
  @inline(__always)
  func weighted(_ bce: Double, oneMinusPt: Double, t: Double) -> Double {
    var focal = CrossentropyMath.power(oneMinusPt, gamma) * bce
    if let alpha {
      focal *= t * alpha + (1 - t) * (1 - alpha)
    }
    return focal
  }
}

/// Binary focal crossentropy of probabilities.
struct BinaryFocalProbabilityTerm: CrossentropyElementTerm {
  let focal: BinaryFocal

  init(_ focal: BinaryFocal) {
    self.focal = focal
  }

  @inline(__always)
  func terms(_ y: SIMD8<Float>, _ p: SIMD8<Float>, check: inout SIMD8<Float>) -> SIMD8<Double> {
    check += p
    let logs = CrossentropyMath.clippedLogs(p)
    let t = focal.smoothing(CrossentropyMath.widen(y))
    let pD = CrossentropyMath.widen(p)
    let bce = -(t * CrossentropyMath.widen(logs.log) + (1 - t) * CrossentropyMath.widen(logs.log1m))
    return focal.weighted(bce, oneMinusPt: t * (1 - pD) + (1 - t) * pD, t: t)
  }

  func careful(_ y: Float, _ p: Float) -> Double {
    let t = focal.smoothing(Double(y))
    let pD = Double(p)
    let bce = CrossentropyMath.clippedBinaryCrossentropy(t, pD)
    return focal.weighted(bce, oneMinusPt: t * (1 - pD) + (1 - t) * pD, t: t)
  }
}

/// Binary focal crossentropy of logits: σ(x), then the clipped crossentropy (Keras 3 saturates).
struct BinaryFocalLogitTerm: CrossentropyElementTerm {
  let focal: BinaryFocal

  init(_ focal: BinaryFocal) {
    self.focal = focal
  }

  var padding: (y: Float, p: Float) { (0, 0) }

  @inline(__always)
  func terms(_ y: SIMD8<Float>, _ x: SIMD8<Float>, check: inout SIMD8<Float>) -> SIMD8<Double> {
    check += x
    let (hi, lo) = CrossentropyMath.expWithTail(Elementary._negativeAbs(x))
    let u = 1 + hi
    let tail = CrossentropyMath.widen(
      Elementary._logCore(u, correction: ((hi - (u - 1)) + lo) / u, extraK: .zero))
    let v = CrossentropyMath.widen(hi) + CrossentropyMath.widen(lo)  // e^−|x|
    let sigmoidAbs = 1 / (1 + v)  // σ(|x|)
    let sigmoidNegAbs = v / (1 + v)  // σ(−|x|)
    let xD = CrossentropyMath.widen(x)
    let positive = xD .>= 0
    let sigmoid = sigmoidNegAbs.replacing(with: sigmoidAbs, where: positive)  // σ(x)
    let sigmoidNeg = sigmoidAbs.replacing(with: sigmoidNegAbs, where: positive)  // σ(−x) = 1 − σ(x)
    let zero = SIMD8<Double>()
    let low = sigmoid .< Double(CrossentropyMath.epsilon)
    let high = sigmoid .> Double(CrossentropyMath.oneMinusEpsilon)
    let logP = (-(zero.replacing(with: -xD, where: xD .< 0) + tail))
      .replacing(with: CrossentropyMath.logEpsilon, where: low)
      .replacing(with: CrossentropyMath.logOneMinusEpsilon, where: high)
    let log1mP = (-(zero.replacing(with: xD, where: xD .> 0) + tail))
      .replacing(with: CrossentropyMath.log1pMinusEpsilon, where: low)
      .replacing(with: CrossentropyMath.log1pMinusOneMinusEpsilon, where: high)
    let t = focal.smoothing(CrossentropyMath.widen(y))
    let bce = -(t * logP + (1 - t) * log1mP)
    return focal.weighted(bce, oneMinusPt: t * sigmoidNeg + (1 - t) * sigmoid, t: t)
  }

  func careful(_ y: Float, _ x: Float) -> Double {
    let t = focal.smoothing(Double(y))
    let p = CrossentropyMath.sigmoid(Double(x))
    let q = CrossentropyMath.sigmoid(-Double(x))
    let bce = CrossentropyMath.clippedBinaryCrossentropy(t, p)
    return focal.weighted(bce, oneMinusPt: t * q + (1 - t) * p, t: t)
  }
}
