import LossCore

/// Gradient kernels of the losses that reduce an elementwise term along one axis (a mean over the
/// last axis, or the sum of KL divergence): element i of a lane with upstream factor g gets
/// s·d(yᵢ, pᵢ), s = g/n (g for a sum) rounded to Float once, d the term's derivative in Float SIMD8.
///
/// Bounds below are per element, in ULPs of the exact gradient element (u = 2⁻²⁴); each includes
/// the ½ ULP of rounding s and the ½ ULP of the final product. Measured maxima (random inputs,
/// several shapes, reductions and weights) are in `GradientKernelTests`.
enum ElementwiseGradient {
  /// Float(1e-7), Keras's float32 epsilon.
  static let epsilon = Float(1e-7)
  /// 1 − 2⁻²³, Keras's float32 `1 − epsilon`.
  static let oneMinusEpsilon = Float(1) - Float(1e-7)

  /// Runs `derivative(y, p, s)` over every lane along `axes`, s being the lane's factor
  /// upstream·`factor`/n (n the lane length, or 1 when `mean` is false).
  @inline(__always)
  static func lanes(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, axes: [Int]? = [-1], factor: Double = 1,
    mean: Bool = true, padding: Float = 0.5, _ out: UnsafeMutableBufferPointer<Float>,
    _ derivative: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>
  ) {
    let lanes = GradientLanes(yTrue, yPred, axes: axes)
    let divisor = mean ? Double(lanes.length) : 1
    lanes.run(yTrue, yPred, out) { y, p, g in
      if let uniform = upstream.uniform {
        let s = SIMD8<Float>(repeating: Float(uniform * factor / divisor))
        GradientSIMD.map(y, p, g, count: lanes.count * lanes.length, padding: padding) { derivative($0, $1, s) }
      } else {
        let n = lanes.length
        for lane in 0..<lanes.count {
          let s = SIMD8<Float>(repeating: Float(upstream[lane] * factor / divisor))
          GradientSIMD.map(y + lane * n, p + lane * n, g + lane * n, count: n, padding: padding) {
            derivative($0, $1, s)
          }
        }
      }
    }
  }

  /// MSE: 2s·(p − y). The difference rounds once (relative u), 2s is exact: ≤ 1.5 ULP.
  static func meanSquaredError(_ y: Operand, _ p: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>) {
    lanes(y, p, upstream, factor: 2, out) { y, p, s in s * (p - y) }
  }

  /// MSE's term and derivative: ((y − p)², 2s·(p − y)), the value's term exactly the forward kernel's.
  @inline(__always)
  static func meanSquaredErrorTerm(_ y: SIMD8<Float>, _ p: SIMD8<Float>, _ s: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
    let d = y - p
    return (d * d, s * (p - y))
  }

  /// MAE: s·sign(p − y), 0 where p = y (the sign of a rounded difference is exact): ≤ ½ ULP.
  static func meanAbsoluteError(_ y: Operand, _ p: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>) {
    lanes(y, p, upstream, out) { y, p, s in GradientSIMD.signed(p - y, s) }
  }

  /// MAPE: (100s)·sign(p − y) / max(|y|, eps), the 100 applied after the mean as in Keras: three
  /// roundings (s, 100s, the quotient): ≤ 1.5 ULP.
  static func meanAbsolutePercentageError(
    _ y: Operand, _ p: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    let eps = SIMD8<Float>(repeating: epsilon)
    lanes(y, p, upstream, factor: 100, out) { y, p, s in
      GradientSIMD.signed(p - y, s) / Elementwise.maximum(Elementwise.abs(y), eps)
    }
  }

  /// MSLE: 2s·δ/(pm + 1)·H, pm = max(p, eps), H = max's slope (½ at p = eps), with the log ratio
  /// δ = log(pm + 1) − log(ym + 1) evaluated as log1p((pm − ym)/(1 + ym)) so it does not cancel
  /// when p ≈ y: pm − ym, 1 + ym and the quotient each round once, log1p is < 1 ULP, then pm + 1,
  /// the quotient and the scaling round: ≤ 7 ULP while z = (pm − ym)/(1 + ym) ≥ 0. For z < 0 the
  /// rounding of z is magnified by log1p's condition |z|/((1 + z)·|log1p z|), which grows as
  /// (1 + pm)/(1 + ym) → 0: measured 8.35 ULP at p = eps, y = 143. The verification catalogue's
  /// condition scale carries that term.
  static func meanSquaredLogarithmicError(
    _ y: Operand, _ p: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    let eps = SIMD8<Float>(repeating: epsilon)
    lanes(y, p, upstream, factor: 2, out) { y, p, s in
      let pm = Elementwise.maximum(p, eps)
      let ym = Elementwise.maximum(y, eps)
      let delta = Elementary.log1p((pm - ym) / (1 + ym))
      return s * (delta / (pm + 1)) * GradientSIMD.maximumSlope(p, eps)
    }
  }

  /// Huber: s·e where |e| ≤ δ (the `<=` branch at |e| = δ), s·δ·sign(e) beyond, e = p − y rounded
  /// once (the branches meet at |e| = δ, so a rounding that flips the branch costs ≤ ½ ULP): ≤ 1.5 ULP.
  static func huber(
    _ y: Operand, _ p: Operand, _ upstream: GradientUpstream, delta: Float, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    let d = SIMD8<Float>(repeating: delta)
    lanes(y, p, upstream, out) { y, p, s in
      let e = p - y
      let linear = GradientSIMD.signed(e, d)
      return s * linear.replacing(with: e, where: Elementwise.abs(e) .<= d)
    }
  }

  /// log_cosh: s·tanh(p − y). tanh(x) = x + x³·P(x²) (Taylor to x¹³, truncation < 2⁻²⁹ relative)
  /// for |x| < 0.375, else sign(x)·(e − 1)/(e + 1), e = exp(2·min(|x|, 10)): ≤ 4 ULP at |x| = 0.375
  /// (e − 1 amplifies exp's error by e/(e − 1) ≤ 1.9), falling fast with |x|. With the rounding of
  /// p − y (tanh's condition is ≤ 1) and the scaling: ≤ 5.5 ULP.
  static func logCosh(_ y: Operand, _ p: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>) {
    lanes(y, p, upstream, out) { y, p, s in s * tanh(p - y) }
  }

  /// tanh in each lane (see `logCosh`); NaN propagates, ±∞ give ±1.
  @inline(__always)
  static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let a = Elementwise.abs(x)
    let z = x * x
    var poly = SIMD8<Float>(repeating: 21844.0 / 6081075.0)
    poly = poly * z + SIMD8<Float>(repeating: -1382.0 / 155925.0)
    poly = poly * z + SIMD8<Float>(repeating: 62.0 / 2835.0)
    poly = poly * z + SIMD8<Float>(repeating: -17.0 / 315.0)
    poly = poly * z + SIMD8<Float>(repeating: 2.0 / 15.0)
    poly = poly * z + SIMD8<Float>(repeating: -1.0 / 3.0)
    let small = x + x * (z * poly)
    let e = Elementary.exp(2 * a.replacing(with: 10, where: a .> 10))
    let large = GradientSIMD.signed(x, (e - 1) / (e + 1))
    return large.replacing(with: small, where: a .< 0.375)
  }

  /// Poisson: s·(1 − y/(p + eps)), evaluated as ((p − y) + eps)/(p + eps) so it does not cancel at
  /// p ≈ y (p − y is then exact): ≤ 2.5 ULP, plus u·|p − y|/|p − y + eps| where p − y rounds and
  /// then cancels against eps. Where that form is not finite (p + eps or p − y overflowing) the
  /// literal 1 − y/(p + eps) is used.
  static func poisson(_ y: Operand, _ p: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>) {
    let eps = SIMD8<Float>(repeating: epsilon)
    let infinity = SIMD8<Float>(repeating: .infinity)
    lanes(y, p, upstream, out) { y, p, s in
      let denominator = p + eps
      let ratio = ((p - y) + eps) / denominator
      return s * ratio.replacing(with: 1 - y / denominator, where: .!(Elementwise.abs(ratio) .< infinity))
    }
  }

  /// KL divergence (a sum over the last axis, y_true broadcast): g·(−y_c/p_c)·H, both clipped to
  /// [eps, 1], H clip's slope (½ at p = eps or p = 1): one quotient: ≤ 1.5 ULP.
  static func klDivergence(_ y: Operand, _ p: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>) {
    lanes(y, p, upstream, mean: false, out) { y, p, s in klDivergenceDerivative(y, p, s) }
  }

  /// KL divergence's derivative times s: s·(−y_c/p_c)·H.
  @inline(__always)
  static func klDivergenceDerivative(_ y: SIMD8<Float>, _ p: SIMD8<Float>, _ s: SIMD8<Float>) -> SIMD8<Float> {
    let eps = SIMD8<Float>(repeating: epsilon)
    let one = SIMD8<Float>(repeating: 1)
    let yc = Elementwise.clip(y, eps, one)
    let pc = Elementwise.clip(p, eps, one)
    return s * (-yc / pc) * GradientSIMD.clipSlope(p, eps, one)
  }

  /// Binary crossentropy along `axis` (mean), t = y·(1 − ls) + ½·ls (y when ls = 0).
  ///
  /// From probabilities: s·H·(p_c − t)/(p_c·(1 − p_c)), p_c = clip(p, eps, 1 − eps), H clip's slope
  /// (0 outside, ½ at a bound): the difference, 1 − p_c, the product, the quotient and the scaling
  /// round once each: ≤ 3 ULP, plus, with label smoothing, the condition term u·|t|/|p_c − t| (t is
  /// rounded to Float before the difference).
  ///
  /// From logits: s·((1 − t)·σ(x) − t·σ(−x)), which for t ∈ {0, 1} is a single term (no
  /// cancellation even where σ(x) ≈ t). σ(|x|) = 1/(1 + e) and σ(−|x|) = e/(1 + e), e = exp(−|x|)
  /// computed once: ≤ 1.5 and ≤ 3 ULP. Bound: ≤ 5 ULP, plus the condition term
  /// 5u·s·(t·σ(−x) + (1 − t)·σ(x)) where the two terms cancel (soft targets near σ(x)), plus
  /// 2u·s·t with label smoothing (t = y·(1 − ls) + ½·ls rounds to Float before the difference).
  static func binaryCrossentropy(
    _ y: Operand, _ p: Operand, _ upstream: GradientUpstream, fromLogits: Bool, labelSmoothing: Float, axis: Int,
    _ out: UnsafeMutableBufferPointer<Float>
  ) {
    if fromLogits {
      lanes(y, p, upstream, axes: [axis], out) { y, x, s in
        binaryLogitsDerivative(smoothed(y, labelSmoothing), x, s)
      }
    } else {
      lanes(y, p, upstream, axes: [axis], out) { y, p, s in
        binaryProbabilityDerivative(smoothed(y, labelSmoothing), p, s)
      }
    }
  }

  /// y·(1 − ls) + ½·ls, or y when ls = 0.
  @inline(__always)
  static func smoothed(_ y: SIMD8<Float>, _ labelSmoothing: Float) -> SIMD8<Float> {
    labelSmoothing == 0 ? y : y * (1 - labelSmoothing) + 0.5 * labelSmoothing
  }

  /// The derivative of −(t·log p_c + (1 − t)·log(1 − p_c)) times s.
  @inline(__always)
  static func binaryProbabilityDerivative(_ t: SIMD8<Float>, _ p: SIMD8<Float>, _ s: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: epsilon)
    let high = SIMD8<Float>(repeating: oneMinusEpsilon)
    let pc = Elementwise.clip(p, low, high)
    return (s * GradientSIMD.clipSlope(p, low, high)) * ((pc - t) / (pc * (1 - pc)))
  }

  /// The derivative of t·softplus(−x) + (1 − t)·softplus(x) times s: s·((1 − t)·σ(x) − t·σ(−x)),
  /// one exp for both sigmoids.
  @inline(__always)
  static func binaryLogitsDerivative(_ t: SIMD8<Float>, _ x: SIMD8<Float>, _ s: SIMD8<Float>) -> SIMD8<Float> {
    let e = Elementary.exp(Elementary._negativeAbs(x))
    let r = 1 / (1 + e)
    let er = e * r
    let positive = x .>= 0
    let sigmoid = er.replacing(with: r, where: positive)
    let sigmoidOfNegative = r.replacing(with: er, where: positive)
    return s * ((1 - t) * sigmoid - t * sigmoidOfNegative)
  }
}
