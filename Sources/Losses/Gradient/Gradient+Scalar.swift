#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

/// Gradient kernels evaluated per element in Double and rounded to Float once: the losses whose
/// derivative needs exact products for its kinks (hinge, categorical hinge), a general power (the
/// focal losses, generalized crossentropy) or whole-lane sums that cancel (cosine, dice, tversky).
///
/// Bound: Double arithmetic (relative error ≤ k·2⁻⁵³ for the few dozen operations, ≪ 1 Float ULP
/// unless a difference cancels by more than 2²⁵) then one rounding: ≤ 1 ULP of each element. Where
/// a difference of lane sums cancels (cosine's ŷ − c·p̂ for nearly parallel vectors, dice's
/// y_k·D − I), the Double error 2⁻⁵²·(|terms|) may exceed that only for cancellations beyond 2⁻²⁸.
enum ScalarGradient {
  static let epsilon = Double(Float(1e-7))
  static let oneMinusEpsilon = Double(Float(1) - Float(1e-7))

  /// Runs `body(y, p, n, g, out)` on each lane along `axes`.
  @inline(__always)
  static func lanes(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, axes: [Int]?, _ out: UnsafeMutableBufferPointer<Float>,
    _ body: (UnsafePointer<Float>, UnsafePointer<Float>, Int, Double, UnsafeMutablePointer<Float>, Int) -> Void
  ) -> GradientLanes {
    let lanes = GradientLanes(yTrue, yPred, axes: axes)
    lanes.run(yTrue, yPred, out) { y, p, g in
      let n = lanes.length
      for lane in 0..<lanes.count {
        body(y + lane * n, p + lane * n, n, upstream[lane], g + lane * n, lane * n)
      }
    }
    return lanes
  }

  /// JAX's slope of max(x, bound): 1 above, ½ at it, 0 below, NaN for NaN.
  @inline(__always)
  static func maximumSlope(_ x: Double, _ bound: Double) -> Double {
    if x.isNaN { return x }
    return x > bound ? 1 : (x == bound ? 0.5 : 0)
  }

  /// JAX's slope of clip(x, low, high).
  @inline(__always)
  static func clipSlope(_ x: Double, _ low: Double, _ high: Double) -> Double {
    if x.isNaN { return x }
    return (x > low && x < high) ? 1 : ((x == low || x == high) ? 0.5 : 0)
  }

  /// clip with NaN propagating.
  @inline(__always)
  static func clip(_ x: Double, _ low: Double, _ high: Double) -> Double {
    x < low ? low : (x > high ? high : x)
  }

  /// max with NaN propagating.
  @inline(__always)
  static func maximum(_ a: Double, _ b: Double) -> Double {
    a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
  }

  /// σ(x) without overflow.
  @inline(__always)
  static func sigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
  }

  /// Hinge and squared hinge: −y'·H per element (H max's slope at the margin 1 − y'·p, ½ at 0),
  /// times 2·max(margin, 0) when squared; y' = 2y − 1 when all of y_true is 0 or 1. The margin is
  /// exact in Double (a product of two Floats is), so the kink is decided exactly.
  static func hinge(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, squared: Bool, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    let binary = yTrue.scalars.allSatisfy { $0 == 0 || $0 == 1 }
    _ = lanes(yTrue, yPred, upstream, axes: [-1], out) { y, p, n, g, out, _ in
      let s = g / Double(n)
      for k in 0..<n {
        let label = binary ? 2 * Double(y[k]) - 1 : Double(y[k])
        let margin = 1 - label * Double(p[k])
        let slope = -label * maximumSlope(margin, 0)
        out[k] = Float(s * (squared ? 2 * maximum(margin, 0) * slope : slope))
      }
    }
  }

  /// Categorical hinge: H·((1 − y_j)·[j attains the max]/#ties − y_j), H the outer max's slope.
  static func categoricalHinge(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    _ = lanes(yTrue, yPred, upstream, axes: [-1], out) { y, p, n, g, out, _ in
      var positive = 0.0
      var negative = -Double.infinity
      for k in 0..<n {
        positive += Double(y[k]) * Double(p[k])
        negative = maximum(negative, (1 - Double(y[k])) * Double(p[k]))
      }
      var ties = 0.0
      for k in 0..<n where (1 - Double(y[k])) * Double(p[k]) == negative { ties += 1 }
      let outer = g * maximumSlope(negative - positive + 1, 0)
      for k in 0..<n {
        let yk = Double(y[k])
        let share = (1 - yk) * Double(p[k]) == negative ? (1 - yk) / ties : 0
        out[k] = Float(outer * (share - yk))
      }
    }
  }

  /// Cosine similarity along `axis`, l = −Σ ŷ_j·p_j·r with r = min(rsqrt(Σp²), 1/eps):
  /// ∂l/∂p_k = −r·ŷ_k − c·∂r/∂p_k, c = Σ ŷ_j·p_j, ∂r/∂p_k = −H·p_k/‖p‖³ (H max's slope at
  /// ‖p‖ = eps: 0 below the floor, ½ at it); NaN for a zero p vector, as JAX through Keras 3.15.1.
  static func cosineSimilarity(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, axis: Int, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    _ = lanes(yTrue, yPred, upstream, axes: [axis], out) { y, p, n, g, out, _ in
      var yy = 0.0
      var pp = 0.0
      for k in 0..<n {
        yy += Double(y[k]) * Double(y[k])
        pp += Double(p[k]) * Double(p[k])
      }
      let yScale = 1 / maximum(yy.squareRoot(), epsilon)
      let pNorm = pp.squareRoot()
      let r = 1 / maximum(pNorm, epsilon)
      var c = 0.0
      for k in 0..<n { c += Double(y[k]) * yScale * Double(p[k]) }
      let factor = maximumSlope(pNorm, epsilon) * -(1 / (pNorm * pNorm * pNorm))
      for k in 0..<n {
        out[k] = Float(g * (-r * (Double(y[k]) * yScale) - c * factor * Double(p[k])))
      }
    }
  }

  /// Binary focal crossentropy: f = w·(1 − p_t)^γ·bce(t, p),
  /// ∂f/∂p = w·[γ·(1 − p_t)^(γ−1)·(1 − 2t)·bce + (1 − p_t)^γ·∂bce/∂p], ∂bce/∂p zero where p is
  /// clipped (½ at a bound), from logits times σ(x)·σ(−x).
  static func binaryFocalCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, applyClassBalancing: Bool, alpha: Double,
    gamma: Double, fromLogits: Bool, labelSmoothing: Double, axis: Int, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    _ = lanes(yTrue, yPred, upstream, axes: [axis], out) { y, x, n, g, out, _ in
      let s = g / Double(n)
      for k in 0..<n {
        let t = labelSmoothing == 0 ? Double(y[k]) : Double(y[k]) * (1 - labelSmoothing) + 0.5 * labelSmoothing
        let xk = Double(x[k])
        let p = fromLogits ? sigmoid(xk) : xk
        let q = fromLogits ? sigmoid(-xk) : 1 - xk
        let pc = clip(p, epsilon, oneMinusEpsilon)
        let bce = -(t * log(pc) + (1 - t) * log1p(-pc))
        let u = t * q + (1 - t) * p
        let dbce = (-t / pc + (1 - t) / (1 - pc)) * clipSlope(p, epsilon, oneMinusEpsilon)
        var d = gamma * pow(u, gamma - 1) * (1 - 2 * t) * bce + pow(u, gamma) * dbce
        if applyClassBalancing { d *= t * alpha + (1 - t) * (1 - alpha) }
        if fromLogits { d *= p * q }
        out[k] = Float(s * d)
      }
    }
  }

  /// Categorical focal crossentropy along `axis`: per class ∂l/∂o_j =
  /// α_j·[γ·(1 − o_j)^(γ−1)·t_j·log o_j − (1 − o_j)^γ·t_j/o_j]·H_j (o clipped, H clip's slope),
  /// back through the renormalisation (u_k − Σ u_j·s_j/S)/S and, from logits, the softmax
  /// s_k·(v_k − Σ v_j·s_j). α has one value, or one per index of the last axis.
  static func categoricalFocalCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, alpha: [Double], gamma: Double,
    fromLogits: Bool, labelSmoothing: Double, axis: Int, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    let lastExtent = Shape.alignRanks(yTrue.shape, yPred.shape).1.last ?? 1
    let layout = GradientLanes(yTrue, yPred, axes: [axis])
    layout.run(yTrue, yPred, out) { y, x, gOut in
      let n = layout.length
      var s = [Double](repeating: 0, count: n)
      var u = [Double](repeating: 0, count: n)
      for lane in 0..<layout.count {
        let base = lane * n
        let g = upstream[lane]
        for k in 0..<n { s[k] = Double(x[base + k]) }
        if fromLogits {
          var m = -Double.infinity
          for k in 0..<n { m = maximum(m, s[k]) }
          var total = 0.0
          for k in 0..<n {
            s[k] = exp(s[k] - m)
            total += s[k]
          }
          for k in 0..<n { s[k] /= total }
        }
        var total = 0.0
        for k in 0..<n { total += s[k] }
        for k in 0..<n {
          var t = Double(y[base + k])
          if labelSmoothing != 0 { t = t * (1 - labelSmoothing) + labelSmoothing / Double(n) }
          let a = alpha.count == 1 ? alpha[0] : alpha[layout.commonIndex(base + k) % lastExtent]
          let o = s[k] / total
          let oc = clip(o, epsilon, oneMinusEpsilon)
          let crossentropy = -t * log(oc)
          let derivative = -(gamma * pow(1 - oc, gamma - 1)) * crossentropy + pow(1 - oc, gamma) * (-t / oc)
          u[k] = a * derivative * clipSlope(o, epsilon, oneMinusEpsilon)
        }
        var projection = 0.0
        for k in 0..<n { projection += u[k] * s[k] / total }
        for k in 0..<n { u[k] = (u[k] - projection) / total }
        if fromLogits {
          var back = 0.0
          for k in 0..<n { back += u[k] * s[k] }
          for k in 0..<n { u[k] = s[k] * (u[k] - back) }
        }
        for k in 0..<n { gOut[base + k] = Float(g * u[k]) }
      }
    }
  }

  /// Generalized crossentropy (1 − p_tᵠ)/q: −p_t^(q−1) times the one-hot label (0·(−∞) = NaN off
  /// the label where p_t = 0, as JAX multiplies), one-hot labels broadcast against y_pred as in the
  /// forward pass, copies summed.
  static func generalizedCrossEntropy(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, q: Double, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    guard let classes = yPred.shape.last, classes > 0 else { return }
    let (trueShape, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    let oneHotShape = trueShape + [classes]
    let slope = { (pt: Double, g: Double) in g * -(q * pow(pt, q - 1)) / q }
    if oneHotShape == predShape {
      for r in 0..<(yPred.scalars.count / classes) {
        let label = Int(yTrue.scalars[r])
        var finite = true
        for c in 0..<classes where !yPred.scalars[r * classes + c].isFinite { finite = false }
        var pt = Double(yPred.scalars[r * classes + label])
        if !finite {
          pt = 0
          for c in 0..<classes { pt += (c == label ? 1 : 0) * Double(yPred.scalars[r * classes + c]) }
        }
        let outer = slope(pt, upstream[r])
        for c in 0..<classes { out[r * classes + c] = Float(outer * (c == label ? 1 : 0)) }
      }
      return
    }
    guard let shape = Shape.broadcast(oneHotShape, predShape) else { return }
    let oneHotIndices = Shape.broadcastIndices(from: oneHotShape, to: shape)
    let predIndices = Shape.broadcastIndices(from: predShape, to: shape)
    let length = shape.last ?? 1
    var total = [Double](repeating: 0, count: out.count)
    for lane in 0..<(oneHotIndices.count / Swift.max(length, 1)) {
      var pt = 0.0
      let hot = { (j: Int) -> Double in
        let flat = oneHotIndices[j]
        return Double(yTrue.scalars[flat / classes]) == Double(flat % classes) ? 1 : 0
      }
      for j in lane * length..<(lane + 1) * length { pt += hot(j) * Double(yPred.scalars[predIndices[j]]) }
      let outer = slope(pt, upstream[lane])
      for j in lane * length..<(lane + 1) * length { total[predIndices[j]] += outer * hot(j) }
    }
    for i in out.indices { out[i] = Float(total[i]) }
  }

  /// Dice (α = β = ½ with Dice's own denominator) and Tversky over `axis` (all axes when nil):
  /// dice ∂l/∂p_k = −(2y_k/D − 2I/D²), D = Σy + Σp + eps; tversky ∂l/∂p_k =
  /// −(y_k/D − TP·(y_k + α(1 − y_k) − β·y_k)/D²), D = TP + α·FP + β·FN + eps.
  static func tversky(
    _ yTrue: Operand, _ yPred: Operand, _ upstream: GradientUpstream, alpha: Double, beta: Double, dice: Bool,
    axis: [Int]?, _ out: UnsafeMutableBufferPointer<Float>
  ) {
    _ = lanes(yTrue, yPred, upstream, axes: axis, out) { y, p, n, g, out, _ in
      var yp = 0.0
      var ySum = 0.0
      var pSum = 0.0
      var fp = 0.0
      var fn = 0.0
      for k in 0..<n {
        let yk = Double(y[k])
        let pk = Double(p[k])
        yp += yk * pk
        ySum += yk
        pSum += pk
        fp += (1 - yk) * pk
        fn += yk * (1 - pk)
      }
      if dice {
        let d = ySum + pSum + epsilon
        for k in 0..<n { out[k] = Float(g * -(2 * Double(y[k]) / d - 2 * yp / (d * d))) }
      } else {
        let d = yp + alpha * fp + beta * fn + epsilon
        for k in 0..<n {
          let yk = Double(y[k])
          let slope = yk + alpha * (1 - yk) - beta * yk
          out[k] = Float(g * -(yk / d - yp * slope / (d * d)))
        }
      }
    }
  }
}
