#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Gradients of categorical crossentropy and its focal variant, one class lane at a time.
extension Reference {
  /// From probabilities, l = −Σ t_j·log o_j with o = clip(p / Σp, eps, 1 − eps): with
  /// u_j = ∂l/∂o_j = −t_j / o_j (times clip's derivative), the renormalisation's Jacobian
  /// ∂(p_j/S)/∂p_k = (δ_jk − p_j/S)/S gives ∂l/∂p_k = (u_k − Σ_j u_j·p_j/S) / S.
  /// From logits, l = −Σ t_j·log softmax(x)_j and ∂l/∂x_k = s_k·Σ_j t_j − t_k (s the softmax): the
  /// rows of the gradient sum to zero when the targets sum to one.
  /// The smoothed targets t = y·(1 − ls) + ls/C are constants.
  static func categoricalCrossentropyGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], fromLogits: Bool,
    labelSmoothing: Double, axis: Int, _ constants: Constants
  ) throws -> [Double] {
    let operands = try GradientOperands.matching(yTrue, yPred)
    let (y, p) = (operands.operands.yTrue, operands.operands.yPred)
    return try operands.laneGradient(axes: [axis], upstream) { offsets, g, gradient in
      let t = smoothedCategoricalTargets(offsets.map { y[$0] }, labelSmoothing)
      let row = offsets.map { p[$0] }
      let rowGradient = crossentropyRowGradient(targets: t, row: row, fromLogits: fromLogits, constants)
      for (j, o) in offsets.enumerated() { gradient[o] = g * rowGradient[j] }
    }
  }

  /// ∂/∂p of l = Σ_j α_j·(1 − o_j)^γ·(−t_j·log o_j), o = clip(p / Σp, eps, 1 − eps) and p the
  /// softmax of the logits when `fromLogits`.
  ///
  /// Per class: ∂l/∂o_j = α_j·[γ·(1 − o_j)^(γ−1)·t_j·log o_j − (1 − o_j)^γ·t_j / o_j] (1 − o_j ≥ eps
  /// after the clip, so the power's derivative is finite), times clip's derivative; then the renormalisation's Jacobian as in
  /// categorical crossentropy; then, from logits, the softmax's: ∂l/∂x_k = s_k·(v_k − Σ_j v_j·s_j)
  /// with v = ∂l/∂s.
  static func categoricalFocalCrossentropyGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], alpha: [Double], gamma: Double,
    fromLogits: Bool, labelSmoothing: Double, axis: Int, _ constants: Constants
  ) throws -> [Double] {
    let operands = try GradientOperands.matching(yTrue, yPred)
    let (y, p) = (operands.operands.yTrue, operands.operands.yPred)
    let lastExtent = operands.operands.shape.last ?? 1
    return try operands.laneGradient(axes: [axis], upstream) { offsets, g, gradient in
      let t = smoothedCategoricalTargets(offsets.map { y[$0] }, labelSmoothing)
      var s = offsets.map { p[$0] }
      if fromLogits {
        s = logProbabilities(s, fromLogits: true, constants).map { exp($0) }
      }
      let total = ReferenceMath.sum(s)
      let u = offsets.indices.map { j -> Double in
        let a = alpha.count == 1 ? alpha[0] : alpha[offsets[j] % lastExtent]
        let o = s[j] / total
        let oc = ReferenceMath.clip(o, constants.epsilon, constants.oneMinusEpsilon)
        let crossentropy = -t[j] * log(oc)
        let derivative = -JAXDerivative.power(1 - oc, gamma) * crossentropy + pow(1 - oc, gamma) * (-t[j] / oc)
        return a * derivative * JAXDerivative.clip(o, constants.epsilon, constants.oneMinusEpsilon)
      }
      var rowGradient = renormalisationBackward(u, row: s, total: total)
      if fromLogits {
        rowGradient = softmaxBackward(rowGradient, softmax: s)
      }
      for (j, o) in offsets.enumerated() { gradient[o] = g * rowGradient[j] }
    }
  }

  /// The gradient of −Σ t_j·log o_j over one row, o the clipped renormalised probabilities or the
  /// softmax of logits (see `categoricalCrossentropyGradient`).
  static func crossentropyRowGradient(
    targets t: [Double], row: [Double], fromLogits: Bool, _ constants: Constants
  ) -> [Double] {
    if fromLogits {
      let softmax = logProbabilities(row, fromLogits: true, constants).map { exp($0) }
      let targetTotal = ReferenceMath.sum(t)
      return zip(softmax, t).map { s, tk in s * targetTotal - tk }
    }
    let total = ReferenceMath.sum(row)
    let u = zip(row, t).map { pj, tj -> Double in
      let o = pj / total
      let oc = ReferenceMath.clip(o, constants.epsilon, constants.oneMinusEpsilon)
      return -tj / oc * JAXDerivative.clip(o, constants.epsilon, constants.oneMinusEpsilon)
    }
    return renormalisationBackward(u, row: row, total: total)
  }

  /// Back through o = p / S, S = Σp: given u = ∂l/∂o, returns ∂l/∂p_k = (u_k − Σ_j u_j·p_j/S) / S.
  static func renormalisationBackward(_ u: [Double], row: [Double], total: Double) -> [Double] {
    let projection = ReferenceMath.sum(zip(u, row).map { $0 * $1 / total })
    return u.map { ($0 - projection) / total }
  }

  /// Back through s = softmax(x): given v = ∂l/∂s, returns ∂l/∂x_k = s_k·(v_k − Σ_j v_j·s_j).
  static func softmaxBackward(_ v: [Double], softmax s: [Double]) -> [Double] {
    let projection = ReferenceMath.sum(zip(v, s).map(*))
    return zip(v, s).map { vk, sk in sk * (vk - projection) }
  }

  /// y·(1 − ls) + ls / C over one row (C its length), or y when ls is 0 (as the forward pass).
  static func smoothedCategoricalTargets(_ y: [Double], _ labelSmoothing: Double) -> [Double] {
    guard labelSmoothing != 0 else { return y }
    let classes = Double(y.count)
    return y.map { $0 * (1 - labelSmoothing) + labelSmoothing / classes }
  }
}
