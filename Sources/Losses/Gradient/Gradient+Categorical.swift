#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

/// Gradient kernels of categorical and sparse categorical crossentropy, one class row at a time.
///
/// **From logits**, ∂l/∂x_k = g·(s_k·T − t_k), s = softmax(x), T = Σt. Three SIMD passes over the
/// row (it stays in L1): the maximum m; e_k = exp(x_k − m) stored in the output, with
/// S = Σe_k summed in Float blocks widened to Double; then the scaling. The difference x_k − m is
/// made exact with TwoSum and its rounding error c folded back as e_k·(1 + c), so e_k is within
/// about 1.1 ULP whatever |x_k − m| (without it the error grows as u·|x_k − m|).
/// - non-target classes (t_k = 0): e_k·Float(g·T/S): ≤ 2.5 ULP.
/// - sparse labels: the labelled class gets g·(s_l − 1) = −g·Σ_{j≠l} e_j / S, the sum over the
///   other classes re-summed when s_l > ½ so it does not cancel: ≤ 4 ULP, no condition term.
/// - soft or one-hot targets (categorical): e_k·c − g·t_k cancels where s_k·T ≈ t_k: ≤ 2.5 ULP of
///   |g·s_k·T| + 1 ULP of |g·t_k|, i.e. the condition term 3u·g·(s_k·|T| + |t_k|).
///
/// **From probabilities**, o = p/S (S = Σp in Double), o_c = clip(o, eps, 1 − eps),
/// u_k = −t_k/o_c·H_k (H clip's slope) and ∂l/∂p_k = g·(u_k − P)/S with P = Σ_j u_j·o_j.
/// - sparse labels: only u_l ≠ 0, so the row is −g·u_l·o_l/S off the label and
///   g·u_l·(S − p_l)/S² at it, both formed in Double and rounded once: ≤ 1 ULP (the class total S
///   is a Double sum of Floats).
/// - categorical: u_k in Float (o rounds once, the quotient once), P in Double, then (u_k − P)·c:
///   ≤ 3 ULP of |g·u_k/S| + 1 ULP of |g·P/S|, the condition term where u_k ≈ P (o_k ≈ 1).
/// Rows whose class total is not a positive normal Float with a normal reciprocal (all zero, NaN,
/// negative sums, extreme scales) are differentiated in Double, literally.
enum CategoricalGradient {
  // MARK: - Entry points of the general path

  static func categoricalCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, fromLogits: Bool, labelSmoothing: Float,
    axis: Int, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    let lanes = GradientLanes(yTrue, yPred, axes: [axis])
    lanes.run(yTrue, yPred, out) { y, p, g in
      let n = lanes.length
      for lane in 0..<lanes.count {
        _ = row(
          targets: y + lane * n, label: -1, p + lane * n, n, smoothing: labelSmoothing, fromLogits: fromLogits,
          upstream: upstream[lane], g + lane * n, wantValue: false)
      }
    }
  }

  static func sparseCategoricalCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, fromLogits: Bool, ignoreClass: Int?, axis: Int,
    _ out: UnsafeMutableBufferPointer<Float>
  ) {
    let lanes = GradientLanes(yPred, yPred, axes: [axis])
    lanes.run(yPred, yPred, out) { _, p, g in
      let n = lanes.length
      for lane in 0..<lanes.count {
        let value = yTrue.scalars[lane]
        if let ignoreClass, Double(value) == Double(ignoreClass) {
          for k in 0..<n { g[lane * n + k] = 0 }
          continue
        }
        _ = row(
          targets: nil, label: Int(value), p + lane * n, n, smoothing: 0, fromLogits: fromLogits,
          upstream: upstream[lane], g + lane * n, wantValue: false)
      }
    }
  }

  // MARK: - Rows

  /// Writes g·∂l/∂row into `out` and returns the row's loss l when `wantValue` (else 0).
  /// `targets` nil means the sparse label `label`.
  @inline(__always)
  static func row(
    targets: UnsafePointer<Float>?, label: Int, _ x: UnsafePointer<Float>, _ n: Int, smoothing: Float,
    fromLogits: Bool, upstream g: Double, _ out: UnsafeMutablePointer<Float>, wantValue: Bool
  ) -> Double {
    if fromLogits {
      return logitsRow(targets: targets, label: label, x, n, smoothing: smoothing, upstream: g, out, wantValue: wantValue)
    }
    if let targets {
      return probabilityRow(targets: targets, x, n, smoothing: smoothing, upstream: g, out, wantValue: wantValue)
    }
    return sparseProbabilityRow(label: label, x, n, upstream: g, out, wantValue: wantValue)
  }

  /// The row's maximum; NaN when any element is NaN.
  @inline(__always)
  static func rowMaximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var a = SIMD8<Float>(repeating: -.infinity)
    var b = a
    var i = 0
    while i + 16 <= n {
      a = Elementwise.maximum(a, GradientSIMD.load(x, i))
      b = Elementwise.maximum(b, GradientSIMD.load(x, i + 8))
      i += 16
    }
    if i + 8 <= n {
      a = Elementwise.maximum(a, GradientSIMD.load(x, i))
      i += 8
    }
    if i < n {
      b = Elementwise.maximum(b, GradientSIMD.load(x, i, count: n - i, padding: -.infinity))
    }
    let m = Elementwise.maximum(a, b)
    return any(m .!= m) ? .nan : m.max()
  }

  /// exp(x − m) with the rounding error of x − m (TwoSum) folded back in.
  @inline(__always)
  static func shiftedExp(_ x: SIMD8<Float>, _ m: SIMD8<Float>) -> (e: SIMD8<Float>, d: SIMD8<Float>) {
    let negM = -m
    let d = x + negM
    let bb = d - x
    var err = (x - (d - bb)) + (negM - bb)
    err = err.replacing(with: 0, where: .!(Elementwise.abs(err) .< SIMD8<Float>(repeating: .infinity)))
    let e = Elementary.exp(d)
    return (e + e * err, d)
  }

  /// One row from logits; see the type's documentation.
  @inline(__always)
  static func logitsRow(
    targets: UnsafePointer<Float>?, label: Int, _ x: UnsafePointer<Float>, _ n: Int, smoothing: Float,
    upstream g: Double, _ out: UnsafeMutablePointer<Float>, wantValue: Bool
  ) -> Double {
    let m = rowMaximum(x, n)
    let mv = SIMD8<Float>(repeating: m)
    let keep = 1 - smoothing
    let spread = SIMD8<Float>(repeating: smoothing / Float(n))
    var sum = SIMD4<Double>()
    var targetSum = SIMD4<Double>()
    var shiftedDot = SIMD4<Double>()
    var i = 0
    // Pass 2: e_k into `out`, S, and for targets T = Σt and Σ t·(x − m).
    while i < n {
      let rest = Swift.min(8, n - i)
      let xv = rest == 8 ? GradientSIMD.load(x, i) : GradientSIMD.load(x, i, count: rest, padding: -.infinity)
      var (e, d) = shiftedExp(xv, mv)
      if rest < 8 { e = SIMD8<Float>().replacing(with: e, where: GradientSIMD.live(rest)) }
      if rest == 8 { GradientSIMD.store(e, out, i) } else { GradientSIMD.store(e, out, i, count: rest) }
      sum += LaneSum.widen(e)
      if let targets {
        var t = rest == 8 ? GradientSIMD.load(targets, i) : GradientSIMD.load(targets, i, count: rest, padding: 0)
        if smoothing != 0 { t = t * keep + spread }
        if rest < 8 { t = SIMD8<Float>().replacing(with: t, where: GradientSIMD.live(rest)) }
        targetSum += LaneSum.widen(t)
        if wantValue {
          let term = t * d
          shiftedDot += LaneSum.widen(rest == 8 ? term : SIMD8<Float>().replacing(with: term, where: GradientSIMD.live(rest)))
        }
      }
      i += rest
    }
    let total = sum.sum()
    guard let targets else {
      // Sparse: e_k·g/S off the label, −g·Σ_{j≠l} e_j / S at it.
      let el = Double(out[label])
      var others = total - el
      if el > 0.5 * total, total.isFinite {
        out[label] = 0
        others = CategoricalGradient.sum(out, n)
      }
      let scale = SIMD8<Float>(repeating: Float(g / total))
      GradientSIMD.map(out, out, out, count: n) { e, _ in e * scale }
      out[label] = Float(-g * others / total)
      return wantValue ? (Double(m) - Double(x[label])) + log(total) : 0
    }
    let T = targetSum.sum()
    let scale = SIMD8<Float>(repeating: Float(g * T / total))
    let gf = SIMD8<Float>(repeating: Float(g))
    i = 0
    // Pass 3: g·(s_k·T − t_k).
    while i < n {
      let rest = Swift.min(8, n - i)
      var t = rest == 8 ? GradientSIMD.load(targets, i) : GradientSIMD.load(targets, i, count: rest, padding: 0)
      if smoothing != 0 { t = t * keep + spread }
      let e = rest == 8 ? GradientSIMD.load(UnsafePointer(out), i) : GradientSIMD.load(UnsafePointer(out), i, count: rest, padding: 0)
      let v = e * scale - gf * t
      if rest == 8 { GradientSIMD.store(v, out, i) } else { GradientSIMD.store(v, out, i, count: rest) }
      i += rest
    }
    return wantValue ? T * log(total) - shiftedDot.sum() : 0
  }

  /// Σ of `n` Floats, in Float blocks widened to Double.
  @inline(__always)
  static func sum(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Double {
    var total = SIMD4<Double>()
    var i = 0
    while i + 8 <= n {
      total += LaneSum.widen(GradientSIMD.load(UnsafePointer(x), i))
      i += 8
    }
    var tail = 0.0
    while i < n {
      tail += Double(x[i])
      i += 1
    }
    return total.sum() + tail
  }

  /// Σ of `n` Floats in Double.
  @inline(__always)
  static func doubleSum(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
    var total = SIMD4<Double>()
    var i = 0
    while i + 8 <= n {
      total += LaneSum.widen(GradientSIMD.load(x, i))
      i += 8
    }
    var tail = 0.0
    while i < n {
      tail += Double(x[i])
      i += 1
    }
    return total.sum() + tail
  }

  /// Whether the class total S allows the Float path (o = p·Float(1/S) with both normal).
  @inline(__always)
  static func isRegularTotal(_ total: Double) -> Bool {
    total > 0 && Float(total).isNormal && Float(1 / total).isNormal
  }

  /// One row of categorical crossentropy from probabilities; see the type's documentation.
  @inline(__always)
  static func probabilityRow(
    targets: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ n: Int, smoothing: Float, upstream g: Double,
    _ out: UnsafeMutablePointer<Float>, wantValue: Bool
  ) -> Double {
    let total = doubleSum(p, n)
    guard isRegularTotal(total) else {
      return carefulProbabilityRow(targets: targets, label: -1, p, n, smoothing: smoothing, upstream: g, out)
    }
    let r = SIMD8<Float>(repeating: Float(1 / total))
    let low = SIMD8<Float>(repeating: ElementwiseGradient.epsilon)
    let high = SIMD8<Float>(repeating: ElementwiseGradient.oneMinusEpsilon)
    let keep = 1 - smoothing
    let spread = SIMD8<Float>(repeating: smoothing / Float(n))
    var projection = SIMD4<Double>()
    var value = SIMD4<Double>()
    var i = 0
    while i < n {
      let rest = Swift.min(8, n - i)
      let pv = rest == 8 ? GradientSIMD.load(p, i) : GradientSIMD.load(p, i, count: rest, padding: 0.5)
      var t = rest == 8 ? GradientSIMD.load(targets, i) : GradientSIMD.load(targets, i, count: rest, padding: 0)
      if smoothing != 0 { t = t * keep + spread }
      let o = pv * r
      let oc = Elementwise.clip(o, low, high)
      var u = -t / oc * GradientSIMD.clipSlope(o, low, high)
      if rest < 8 { u = SIMD8<Float>().replacing(with: u, where: GradientSIMD.live(rest)) }
      if rest == 8 { GradientSIMD.store(u, out, i) } else { GradientSIMD.store(u, out, i, count: rest) }
      projection += LaneSum.widen(u * o)
      if wantValue {
        let term = t * Elementary.log(oc)
        value -= LaneSum.widen(rest == 8 ? term : SIMD8<Float>().replacing(with: term, where: GradientSIMD.live(rest)))
      }
      i += rest
    }
    let pv = SIMD8<Float>(repeating: Float(projection.sum()))
    let scale = SIMD8<Float>(repeating: Float(g / total))
    GradientSIMD.map(out, out, out, count: n) { u, _ in (u - pv) * scale }
    return value.sum()
  }

  /// One row of sparse categorical crossentropy from probabilities; see the type's documentation.
  @inline(__always)
  static func sparseProbabilityRow(
    label: Int, _ p: UnsafePointer<Float>, _ n: Int, upstream g: Double, _ out: UnsafeMutablePointer<Float>,
    wantValue: Bool
  ) -> Double {
    let total = doubleSum(p, n)
    guard isRegularTotal(total) else {
      return carefulProbabilityRow(targets: nil, label: label, p, n, smoothing: 0, upstream: g, out)
    }
    let pl = Double(p[label])
    let o = pl / total
    let (oc, slope) = clipped(o)
    let u = -1 / oc * slope
    let other = Float(-g * u * o / total)
    let at = Float(g * u * ((total - pl) / total) / total)
    let fill = SIMD8<Float>(repeating: other)
    GradientSIMD.map(p, p, out, count: n) { _, _ in fill }
    out[label] = at
    return wantValue ? -log(oc) : 0
  }

  /// clip(o, eps, 1 − eps) in Double with the float32 constants, and its JAX slope.
  @inline(__always)
  static func clipped(_ o: Double) -> (Double, Double) {
    let low = Double(ElementwiseGradient.epsilon)
    let high = Double(ElementwiseGradient.oneMinusEpsilon)
    if o.isNaN { return (o, o) }
    let oc = o < low ? low : (o > high ? high : o)
    let slope: Double = (o > low && o < high) ? 1 : ((o == low || o == high) ? 0.5 : 0)
    return (oc, slope)
  }

  /// A probability row differentiated in Double exactly as Keras writes it (renormalise, clip,
  /// the renormalisation's Jacobian), for class totals the Float path does not take. Returns the
  /// row's loss.
  static func carefulProbabilityRow(
    targets: UnsafePointer<Float>?, label: Int, _ p: UnsafePointer<Float>, _ n: Int, smoothing: Float,
    upstream g: Double, _ out: UnsafeMutablePointer<Float>
  ) -> Double {
    var total = 0.0
    for k in 0..<n { total += Double(p[k]) }
    var u = [Double](repeating: 0, count: n)
    var projection = 0.0
    var value = 0.0
    for k in 0..<n {
      var t: Double
      if let targets {
        t = Double(targets[k])
        if smoothing != 0 { t = Double(Float(targets[k]) * (1 - smoothing) + smoothing / Float(n)) }
      } else {
        t = k == label ? 1 : 0
      }
      let o = Double(p[k]) / total
      let (oc, slope) = clipped(o)
      u[k] = -t / oc * slope
      projection += u[k] * o
      value -= t * log(oc)
    }
    for k in 0..<n { out[k] = Float(g * (u[k] - projection) / total) }
    return value
  }
}
