#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import LossReference

/// The magnitude against which the rounding error of each gradient element is measured: the
/// reduction's factor for the element's sample times Σ|terms| of the element's derivative, where a
/// plain ULP bound would be meaningless because those terms cancel.
///
/// A Float32 gradient kernel rounds each intermediate to within u = 2⁻²⁴, so where an element is a
/// difference of terms (softmax − t, 1 − y/(p + eps), p_c − t, y_k·D − I, ŷ − c·p̂) its error is a
/// small multiple of u times those terms, not of the difference. The terms, per loss, with g the
/// reduction's factor of the element's sample (1/N for `sum_over_batch_size`, w for weights, …),
/// n the lane length of a mean and H the clip's slope:
///
/// | loss | Σ\|terms\| of ∂l/∂p_k |
/// |---|---|
/// | poisson | g/n·(1 + y/(p + eps)) |
/// | BCE (probabilities) | g/n·H·(p_c + t)/(p_c·(1 − p_c)), t the smoothed target |
/// | BCE (logits) | g/n·(t·σ(−x) + (1 − t)·σ(x) + t) (the last term: t rounds to Float) |
/// | CCE, SCCE (logits) | g·(s_k·Σt + t_k), s the softmax, t the (smoothed, one-hot) target |
/// | CCE (probabilities) | g·(\|u_k\| + \|P\|)/S, u_k = −t_k·H_k/o_k, P = Σ u_j·o_j, o = clip(p/S) |
/// | cosine | g·(\|ŷ_k\|/‖p‖ + c·\|p_k\|/‖p‖³), c = Σ\|ŷ_j·p_j\| (the terms of ŷ·p) |
/// | MSLE | 2g/n·H·(\|log(pm + 1)\| + \|log(ym + 1)\| + \|pm − ym\|/(pm + 1))/(pm + 1) |
/// | dice | g·2(y_k·D + \|I\|)/D² |
/// | tversky | g·(y_k·D + \|TP\|·\|∂D/∂p_k\|)/D² |
/// | CTC | g·2 (softmax + posterior, each ≤ 1) |
/// | circle | Σg·4γ·(2 + \|m\|) (the pair similarities' weights) |
///
/// | categorical focal | as CCE with u_k replaced by v_k = α·t_k·(γ(1 − o_k)^(γ−1)·\|log o_k\| + (1 − o_k)^γ/o_k) |
///
/// Every other loss's element is a single product or quotient of rounded factors (a relative
/// error, covered by the ULP allowance) or is computed in Double by the kernels without
/// cancellation (binary focal, generalized crossentropy): its scale is 0.
enum GradientScale {
  /// Per element of `y_pred`: Σ|terms| times the reduction's factor (`magnitudes`), and the
  /// reduction's factor of the element's sample divided by the sample's lane length (`factors`: a
  /// lower bound of the scale s = g/n a kernel forms and rounds to Float).
  struct Scales {
    var magnitudes: [Double]
    var factors: [Double]
  }

  /// The axes along which `loss` reduces each sample's elements (nil: all of them).
  static func laneAxes(_ loss: Loss) -> [Int]? {
    switch loss {
    case .cosineSimilarity(let axis), .binaryCrossentropy(_, _, let axis), .binaryFocalCrossentropy(_, _, _, _, _, let axis),
      .categoricalCrossentropy(_, _, let axis), .categoricalFocalCrossentropy(_, _, _, _, let axis),
      .sparseCategoricalCrossentropy(_, _, let axis):
      [axis]
    case .dice(let axis), .tversky(_, _, let axis): axis
    case .ctc: [1, 2]
    case .circle: [1]
    default: [-1]
    }
  }

  /// The scales of every element of `y_pred` on `input`.
  static func scales(_ loss: Loss, _ input: LossInput) throws -> Scales {
    let upstream = try factors(loss, input)
    let y = input.yTrue.scalars.map(Double.init)
    let p = input.yPred.scalars.map(Double.init)
    let shape = input.yPred.shape
    var scale = [Double](repeating: 0, count: p.count)
    var factor = [Double](repeating: 0, count: p.count)
    let eps = DType.float32.epsilon
    let high = DType.float32.oneMinusEpsilon

    if case .circle = loss {
      // Every embedding enters every sample's loss.
      let total = upstream.reduce(0) { $0 + abs($1) }
      for o in factor.indices { factor[o] = total / Double(max(upstream.count, 1)) }
    } else {
      for (lane, offsets) in Invariants.lanes(shape, axes: laneAxes(loss)).enumerated() where lane < upstream.count {
        for o in offsets { factor[o] = abs(upstream[lane]) / Double(offsets.count) }
      }
    }

    /// Runs `body(lane, offsets, g)` for each lane along `axes` (per-sample order).
    func eachLane(_ axes: [Int]?, _ body: (Int, [Int], Double) -> Void) {
      for (lane, offsets) in Invariants.lanes(shape, axes: axes).enumerated() where lane < upstream.count {
        body(lane, offsets, abs(upstream[lane]))
      }
    }

    switch loss {
    case .meanSquaredLogarithmicError:
      // δ = log(pm + 1) − log(ym + 1): Keras rounds each log (u·Σ|logs|); a kernel evaluating it
      // as log1p((pm − ym)/(1 + ym)) rounds the ratio, which log1p amplifies by 1/(1 + ratio)
      // where pm ≪ ym (u·|pm − ym|/(pm + 1)). Both, times 2s·H/(pm + 1).
      eachLane([-1]) { _, offsets, g in
        for o in offsets {
          let (pm, ym) = (max(p[o], eps), max(y[o], eps))
          let slope = p[o] > eps ? 1.0 : (p[o] == eps ? 0.5 : 0)
          let terms = abs(log1p(pm)) + abs(log1p(ym)) + abs(pm - ym) / (pm + 1)
          scale[o] = slope == 0 ? 0 : 2 * g / Double(offsets.count) * slope * terms / abs(pm + 1)
        }
      }
    case .poisson:
      eachLane([-1]) { _, offsets, g in
        for o in offsets { scale[o] = g / Double(offsets.count) * (1 + abs(y[o]) / abs(p[o] + eps)) }
      }
    case .binaryCrossentropy(let fromLogits, let smoothing, let axis):
      let ls = Invariants.f32(smoothing)
      eachLane([axis]) { _, offsets, g in
        let s = g / Double(offsets.count)
        for o in offsets {
          let t = abs(y[o] * (1 - ls) + 0.5 * ls)
          if fromLogits {
            scale[o] = s * (t * sigmoid(-p[o]) + abs(1 - t) * sigmoid(p[o]) + t)
          } else {
            let pc = min(max(p[o], eps), high)
            let slope = p[o] > eps && p[o] < high ? 1.0 : (p[o] == eps || p[o] == high ? 0.5 : 0)
            scale[o] = slope == 0 ? 0 : s * slope * (pc + t) / (pc * (1 - pc))
          }
        }
      }
    case .categoricalCrossentropy(let fromLogits, let smoothing, let axis):
      let ls = Invariants.f32(smoothing)
      eachLane([axis]) { _, offsets, g in
        let t = offsets.map { y[$0] * (1 - ls) + ls / Double(offsets.count) }
        categoricalTerms(offsets, t, p, g, fromLogits: fromLogits, &scale)
      }
    case .categoricalFocalCrossentropy(let alphaOption, let gammaOption, let fromLogits, let smoothing, let axis):
      let (alpha, gamma, ls) = (alphaOption.map(Invariants.f32), Invariants.f32(gammaOption), Invariants.f32(smoothing))
      eachLane([axis]) { _, offsets, g in
        let row = offsets.map { p[$0] }
        let total = row.reduce(0, +)
        let o = fromLogits ? Invariants.logSoftmax(row).map { exp($0) } : row.map { $0 / total }
        // |∂l/∂o_j| term by term: α·t·(γ(1 − o)^(γ−1)·|log o| + (1 − o)^γ/o), zero where o is clipped.
        let v = o.indices.map { j -> Double in
          guard o[j] >= eps && o[j] <= high else { return 0 }
          let t = abs(y[offsets[j]] * (1 - ls) + ls / Double(offsets.count))
          let a = alpha.count == 1 ? alpha[0] : alpha[offsets[j] % max(alpha.count, 1)]
          return abs(a) * t * (gamma * pow(1 - o[j], gamma - 1) * abs(log(o[j])) + pow(1 - o[j], gamma) / o[j])
        }
        let projection = zip(v, o).reduce(0.0) { $0 + $1.0 * $1.1 }
        for (j, offset) in offsets.enumerated() {
          scale[offset] = fromLogits ? g * o[j] * (v[j] + projection) : g * (v[j] + projection) / abs(total)
        }
      }
    case .sparseCategoricalCrossentropy(let fromLogits, _, let axis):
      eachLane([axis]) { lane, offsets, g in
        let label = lane < y.count ? y[lane] : -1
        let t = offsets.indices.map { Double($0) == label ? 1.0 : 0 }
        categoricalTerms(offsets, t, p, g, fromLogits: fromLogits, &scale)
      }
    case .cosineSimilarity(let axis):
      eachLane([axis]) { _, offsets, g in
        let yNorm = max(norm(offsets.map { y[$0] }), eps)
        let pNorm = norm(offsets.map { p[$0] })
        // c = ŷ·p: the magnitude of its terms, Σ|ŷ_j·p_j|.
        let c = offsets.reduce(0.0) { $0 + abs(y[$1] / yNorm * p[$1]) }
        for o in offsets {
          scale[o] = g * (abs(y[o] / yNorm) / pNorm + abs(c * p[o]) / (pNorm * pNorm * pNorm))
        }
      }
    case .dice(let axis):
      eachLane(axis) { _, offsets, g in
        let intersection = offsets.reduce(0.0) { $0 + y[$1] * p[$1] }
        let denominator = offsets.reduce(0.0) { $0 + y[$1] + p[$1] } + eps
        for o in offsets {
          scale[o] = g * 2 * (abs(y[o]) * abs(denominator) + abs(intersection)) / (denominator * denominator)
        }
      }
    case .tversky(let alphaOption, let betaOption, let axis):
      let (alpha, beta) = (Invariants.f32(alphaOption), Invariants.f32(betaOption))
      eachLane(axis) { _, offsets, g in
        let tp = offsets.reduce(0.0) { $0 + y[$1] * p[$1] }
        let fp = offsets.reduce(0.0) { $0 + (1 - y[$1]) * p[$1] }
        let fn = offsets.reduce(0.0) { $0 + y[$1] * (1 - p[$1]) }
        let denominator = tp + alpha * fp + beta * fn + eps
        for o in offsets {
          let slope = y[o] + alpha * (1 - y[o]) - beta * y[o]
          scale[o] = g * (abs(y[o]) * abs(denominator) + abs(tp * slope)) / (denominator * denominator)
        }
      }
    case .ctc:
      eachLane([1, 2]) { _, offsets, g in
        for o in offsets { scale[o] = 2 * g }
      }
    case .circle(let gamma, let margin, _):
      let total = upstream.reduce(0) { $0 + abs($1) }
      let terms = 4 * Invariants.f32(gamma) * (2 + abs(Invariants.f32(margin)))
      for o in scale.indices { scale[o] = total * terms }
    default:
      break
    }
    return Scales(magnitudes: scale, factors: factor)
  }

  /// softmax − t from logits, (u_k − P)/S from probabilities: the magnitudes of the two terms.
  private static func categoricalTerms(
    _ offsets: [Int], _ t: [Double], _ p: [Double], _ g: Double, fromLogits: Bool, _ scale: inout [Double]
  ) {
    let row = offsets.map { p[$0] }
    let total = t.reduce(0) { $0 + abs($1) }
    if fromLogits {
      let s = Invariants.logSoftmax(row).map { exp($0) }
      for (j, o) in offsets.enumerated() { scale[o] = abs(g) * (s[j] * total + abs(t[j])) }
      return
    }
    let sum = row.reduce(0, +)
    let eps = DType.float32.epsilon
    let high = DType.float32.oneMinusEpsilon
    let o = row.map { $0 / sum }
    let u = zip(t, o).map { t, o -> Double in
      let slope = o > eps && o < high ? 1.0 : (o == eps || o == high ? 0.5 : 0)
      return slope == 0 ? 0 : -t * slope / min(max(o, eps), high)
    }
    let projection = zip(u, o).reduce(0.0) { $0 + abs($1.0 * min(max($1.1, eps), high)) }
    for (j, offset) in offsets.enumerated() { scale[offset] = abs(g) * (abs(u[j]) + projection) / abs(sum) }
  }

  /// The reduction's factor of each per-sample loss, ∂(reduced value)/∂lᵢ (summed, for `.none`),
  /// in the reference's order of per-sample values.
  ///
  /// Found as the reference gradient of mean absolute error against zeros at a column of ones (or
  /// of zeros where the loss's mask drops a sample: the derivative of |x| at 0 is 0), with the
  /// loss's weights and reduction: that is the derivative of the reduction itself. A mask changes
  /// the divisor (Keras divides by the valid count, or by Σ w over valid entries), applied here.
  static func factors(_ loss: Loss, _ input: LossInput) throws -> [Double] {
    let (values, mask) = try Reference.unreducedLosses(
      loss, yTrue: input.yTrue.map(Double.init), yPred: input.yPred.map(Double.init), as: .float32)
    let column = try Tensor(shape: values.shape + [1], scalars: values.scalars.indices.map { (mask?[$0] ?? true) ? 1.0 : 0 })
    let zeros = column.map { _ in 0.0 }
    let weight = input.sampleWeight.map { $0.map(Double.init) }
    guard mask != nil else {
      return try Reference.gradient(
        .meanAbsoluteError, yTrue: zeros, yPred: column, sampleWeight: weight, reduction: input.reduction, as: .float32
      ).scalars
    }
    let summed = input.reduction == .none ? Reduction.none : .sum
    let factors = try Reference.gradient(
      .meanAbsoluteError, yTrue: zeros, yPred: column, sampleWeight: weight, reduction: summed, as: .float32
    ).scalars
    let divisor: Double
    switch input.reduction {
    case .none, .sum: divisor = 1
    case .sumOverBatchSize, .mean: divisor = Double(mask!.lazy.filter { $0 }.count)
    case .meanWithSampleWeight:
      divisor = try Reference.evaluate(
        .meanAbsoluteError, yTrue: zeros, yPred: column, sampleWeight: weight, reduction: .sum, as: .float32
      ).scalars.reduce(0, +)
    }
    return factors.map { divisor == 0 ? 0 : $0 / divisor }
  }

  private static func sigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
  }

  private static func norm(_ x: [Double]) -> Double {
    x.reduce(0) { $0 + $1 * $1 }.squareRoot()
  }
}
