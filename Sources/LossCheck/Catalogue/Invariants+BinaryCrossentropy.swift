#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import PropertyCheck

// Binary crossentropy and binary focal crossentropy.
extension Invariants {
  static func binaryCrossentropy(_ probe: Probe, _ candidate: Candidate) -> [LossProperty] {
    switch probe.loss {
    case .binaryCrossentropy(let fromLogits, let labelSmoothing, _):
      var laws = [
        nonNegativeOnValidInputs(
          probe.loss, candidate, name: "BCE",
          reason: "t, 1 − t ≥ 0 and log p, log(1 − p) ≤ 0 after the clip (softplus ≥ 0 from logits)")
      ]
      if !fromLogits { laws.append(bceMinimisedAtTruth(probe)) }
      laws.append(bceFlipSymmetric(probe))
      if labelSmoothing != 0 { laws.append(binarySmoothing(probe)) }
      if fromLogits { laws.append(bceLogitsMatchProbabilities(probe)) }
      return laws
    case .binaryFocalCrossentropy(_, _, let gamma, let fromLogits, let labelSmoothing, _):
      var laws = [
        nonNegativeOnValidInputs(
          probe.loss, candidate, name: "binary focal crossentropy",
          reason: "each term is a non-negative weight times (1 − p_t)^γ ≥ 0 times a clipped crossentropy ≥ 0")
      ]
      if !fromLogits {
        laws.append(gamma == 0 ? binaryFocalWithoutFocus(probe) : binaryFocalBelowCrossentropy(probe))
      }
      if labelSmoothing != 0 { laws.append(binarySmoothing(probe)) }
      return laws
    default:
      return []
    }
  }

  /// The options every binary law reads.
  struct BinaryOptions {
    var fromLogits = false
    var labelSmoothing = 0.0
    var axis = -1
    var focal: (balancing: Bool, alpha: Double, gamma: Double)? = nil

    init(_ loss: Loss) {
      switch loss {
      case .binaryCrossentropy(let fromLogits, let labelSmoothing, let axis):
        (self.fromLogits, self.labelSmoothing, self.axis) = (fromLogits, f32(labelSmoothing), axis)
      case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, let labelSmoothing, let axis):
        (self.fromLogits, self.labelSmoothing, self.axis) = (fromLogits, f32(labelSmoothing), axis)
        focal = (balancing, f32(alpha), f32(gamma))
      default:
        break
      }
    }

    /// The smoothed target, in Double as Keras's float32 formula means it: y·(1 − ls) + ½·ls.
    func target(_ y: Float) -> Double {
      labelSmoothing == 0 ? Double(y) : Double(y) * (1 - labelSmoothing) + 0.5 * labelSmoothing
    }
  }

  /// Targets (0/1 labels or soft) and probabilities in [0, 1], or logits in `logits`, along `axis`.
  static func binaryPairs(_ probe: Probe, axis: Int, logits: ClosedRange<Float>? = nil) -> Gen<Pair> {
    pairs(
      rowShapes(axis: axis, length: 1...6, batch: probe.batch), { LossInputs.binaryTargets.tensor(shape: $0) },
      values(in: logits ?? 0...1))
  }

  /// BCE(y, p) ≥ BCE(y, y): per element, l(t, ·) is convex on [eps, 1 − eps] with its minimum at
  /// clip(t), so the clip keeps the textbook law exact (unlike categorical crossentropy's).
  ///
  /// With label smoothing the truth is the smoothed target t, which the candidate can only be given
  /// rounded to float32, r = fl(t); the law then reads BCE(y, p) ≥ BCE(y, r) − c with
  /// c = mean(l(t, clip r) − l(t, clip t)) ≥ 0, computed in Double (about (r − t)²/(2t(1 − t)) ≈ 1e-15).
  static func bceMinimisedAtTruth(_ probe: Probe) -> LossProperty {
    let options = BinaryOptions(probe.loss)
    let smoothed = options.labelSmoothing != 0
    return LossProperty(
      name: "BCE is minimised at the truth",
      summary: smoothed
        ? "BCE(y, p) ≥ BCE(y, fl(t)) − c − A₁ − A₂ with t = y·(1 − ls) + ls/2 the smoothed truth and "
          + "c = mean(l(t, clip fl(t)) − l(t, clip t)) ≥ 0 the cost of rounding t to float32"
        : "BCE(y, p) ≥ BCE(y, y) − A₁ − A₂ for targets y ∈ [0, 1]: exact under the clip to [eps, 1 − eps]",
      generator: binaryPairs(probe, axis: options.axis)
    ) { pair, candidate, _ in
      let truth = pair.yTrue.map { Float(options.target($0)) }
      let atP = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let atTruth = try probe.evaluate(candidate, pair.yTrue, truth)
      let rounding = zip(pair.yTrue.scalars, truth.scalars).map { y, r -> Double in
        let t = options.target(y)
        let (ct, cr) = (clip(t), clip(Double(r)))
        return (t == 0 ? 0 : t * log(ct / cr)) + (t == 1 ? 0 : (1 - t) * log((1 - ct) / (1 - cr)))
      }
      let c = laneMeans(pair.yTrue.shape, axis: options.axis, rounding)
      let lower = zip(atTruth.got, c).map { Double($0) - $1 }
      return Law.atLeast(
        atP.got, lower, slack: zip(atP.allowance, atTruth.allowance).map(+), "BCE(y, p) ≥ BCE(y, truth)")
    }
  }

  /// BCE(1 − y, 1 − p) = BCE(y, p), but only where the float32 clip is symmetric.
  ///
  /// The textbook symmetry under flipping labels and predictions is false at the ends: Keras
  /// clips to [eps, 1 − 2⁻²³] with eps = Float(1e-7) ≠ 2⁻²³, so BCE(0, 0) = −log(1 − eps) =
  /// 1.0000000827e-7 but BCE(1, 1) = −log(1 − 2⁻²³) = 1.1920929e-7 (and 16.118095 against
  /// 15.942385 at the other corners). It holds exactly for p ∈ [2⁻²³, 1 − 2⁻²³], where both p and
  /// 1 − p are left alone by the clip; from logits (no clip) it holds for every x as
  /// BCE(1 − y, −x) = BCE(y, x). Labels are drawn on a grid of 1/256 and probabilities on the float32
  /// grid of 2⁻²⁴, so 1 − y and 1 − p are exact; smoothing maps 1 − y to 1 − t exactly.
  static func bceFlipSymmetric(_ probe: Probe) -> LossProperty {
    let options = BinaryOptions(probe.loss)
    let labels = Gen.int(in: 0...256).map { Float($0) / 256 }
    let predictions =
      options.fromLogits
      ? Gen.float(in: -1e4...1e4) : Gen.int(in: 2...((1 << 24) - 2)).map { Float($0) * 0x1p-24 }
    return LossProperty(
      name: options.fromLogits
        ? "BCE is symmetric under flipping labels and logits"
        : "BCE is symmetric under flipping labels and probabilities inside the clip",
      summary: options.fromLogits
        ? "|BCE(1 − y, −x) − BCE(y, x)| ≤ A₁ + A₂; the exact values are equal"
        : "|BCE(1 − y, 1 − p) − BCE(y, p)| ≤ A₁ + A₂ for p ∈ [2⁻²³, 1 − 2⁻²³]; outside, the float32 clip "
          + "[1e-7, 1 − 2⁻²³] is asymmetric (BCE(0, 0) = 1.0000000827e-7 but BCE(1, 1) = 1.1920929e-7)",
      generator: pairs(
        rowShapes(axis: options.axis, length: 1...6, batch: probe.batch), { labels.tensor(shape: $0) },
        { predictions.tensor(shape: $0) })
    ) { pair, candidate, _ in
      let original = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let flipped = try probe.evaluate(
        candidate, pair.yTrue.map { 1 - $0 }, pair.yPred.map { options.fromLogits ? -$0 : 1 - $0 })
      return Law.related(flipped, original, "BCE(flipped) = BCE(y, p)")
    }
  }

  /// The label-smoothed loss equals the unsmoothed loss (the reference) on smoothed labels.
  ///
  /// The smoothed labels t = y·(1 − ls) + ls/2 must be rounded to float32 to be an input; the loss is
  /// a smooth function of t, so that moves the other side by at most |t − fl(t)|·max|∂l/∂t| per
  /// element, added to the allowance. For BCE ∂l/∂t = log((1 − p_c)/p_c) (from logits: −x). For
  /// the focal loss the derivative w′·F^γ·B + w·γ·F^(γ−1)·F′·B + w·F^γ·B′ (F = 1 − p_t, B the
  /// clipped BCE, w the class-balancing weight) is bounded on [fl(t), t] by the extremes of each
  /// factor, which are linear or monotone in t.
  static func binarySmoothing(_ probe: Probe) -> LossProperty {
    let options = BinaryOptions(probe.loss)
    let unsmoothed: Loss
    switch probe.loss {
    case .binaryCrossentropy(let fromLogits, _, let axis):
      unsmoothed = .binaryCrossentropy(fromLogits: fromLogits, axis: axis)
    case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, _, let axis):
      unsmoothed = .binaryFocalCrossentropy(
        applyClassBalancing: balancing, alpha: alpha, gamma: gamma, fromLogits: fromLogits, axis: axis)
    default:
      unsmoothed = probe.loss
    }
    let ls = options.labelSmoothing
    return LossProperty(
      name: "label smoothing equals the unsmoothed loss on smoothed labels",
      summary:
        "|L_ls(y, p) − L₀(fl(t), p)| ≤ A + mean(|t − fl(t)|·max|∂l/∂t|) with t = y·(1 − \(Float(ls))) + \(Float(ls))/2; "
        + "L₀ (label_smoothing 0) from the reference",
      generator: binaryPairs(probe, axis: options.axis, logits: options.fromLogits ? -30...30 : nil)
    ) { pair, candidate, _ in
      let smoothedLabels = pair.yTrue.map { Float(options.target($0)) }
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let expected = try Probe.exact(unsmoothed, smoothedLabels, pair.yPred)
      let sensitivity = pair.yTrue.scalars.indices.map { i -> Double in
        let t = options.target(pair.yTrue.scalars[i])
        let r = Double(smoothedLabels.scalars[i])
        return abs(t - r) * binaryDerivativeBound(options, t, r, Double(pair.yPred.scalars[i]))
      }
      let extra = laneMeans(pair.yTrue.shape, axis: options.axis, sensitivity)
      return Law.near(
        evaluation.got, expected, slack: zip(evaluation.allowance, extra).map(+), "L_ls(y, p) = L₀(smoothed y, p)")
    }
  }

  /// clip(x, eps, 1 − eps).
  static func clip(_ x: Double) -> Double { min(max(x, eps), oneMinusEps) }

  /// max |∂l/∂t| of one element's loss over targets between `t1` and `t2`, for prediction `x`.
  static func binaryDerivativeBound(_ options: BinaryOptions, _ t1: Double, _ t2: Double, _ x: Double) -> Double {
    let (p, q) = options.fromLogits ? (exp(-softplus(-x)), exp(-softplus(x))) : (x, 1 - x)
    guard let focal = options.focal else {
      // l = t·A + (1 − t)·B is linear in t: the slope is B − A.
      return options.fromLogits ? abs(x) : abs(log(clip(p)) - log1p(-clip(p)))
    }
    let pc = clip(p)
    func bce(_ t: Double) -> Double { -(t * log(pc) + (1 - t) * log1p(-pc)) }
    func modulator(_ t: Double) -> Double { t * q + (1 - t) * p }
    func weight(_ t: Double) -> Double { focal.balancing ? t * focal.alpha + (1 - t) * (1 - focal.alpha) : 1 }
    let gamma = focal.gamma
    let (f1, f2) = (modulator(t1), modulator(t2))
    let maxF = max(f1, f2)
    let minF = min(f1, f2)
    let maxB = max(bce(t1), bce(t2))
    let maxW = max(weight(t1), weight(t2))
    let slopeW = focal.balancing ? abs(2 * focal.alpha - 1) : 0
    let slopeB = abs(log(pc) - log1p(-pc))
    var bound = slopeW * pow(maxF, gamma) * maxB + maxW * pow(maxF, gamma) * slopeB
    if gamma != 0 {
      let powerBelow = gamma >= 1 ? pow(maxF, gamma - 1) : pow(minF, gamma - 1)
      bound += maxW * gamma * powerBelow * abs(q - p) * maxB
    }
    return bound
  }

  /// Focal with γ = 0 equals the crossentropy (times α, 1 − α with class balancing).
  ///
  /// (1 − p_t)⁰ = 1, also at p_t = 1, so each term is w·bce(t, p) with w = t·α + (1 − t)·(1 − α) or
  /// 1; bce per element comes from the reference BCE (same smoothing) over a trailing axis of 1.
  static func binaryFocalWithoutFocus(_ probe: Probe) -> LossProperty {
    let options = BinaryOptions(probe.loss)
    let focal = options.focal!
    let name = focal.balancing ? "α-weighted BCE" : "BCE"
    return LossProperty(
      name: "focal with γ = 0 equals \(name)",
      summary: "|BFCE_γ=0(y, p) − mean(w·BCE(y, p))| ≤ A, w = "
        + (focal.balancing ? "t·α + (1 − t)·(1 − α)" : "1") + "; BCE per element from the reference",
      generator: binaryPairs(probe, axis: options.axis)
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let expected = laneMeans(
        pair.yTrue.shape, axis: options.axis, try weightedElementBCE(options, pair, balancing: focal.balancing))
      return Law.near(evaluation.got, expected, slack: evaluation.allowance, "BFCE_γ=0 = \(name)")
    }
  }

  /// Focal ≤ crossentropy: (1 − p_t)^γ ≤ 1 and the weight ≤ max(α, 1 − α).
  static func binaryFocalBelowCrossentropy(_ probe: Probe) -> LossProperty {
    let options = BinaryOptions(probe.loss)
    let focal = options.focal!
    let bound = focal.balancing ? max(focal.alpha, 1 - focal.alpha) : 1
    return LossProperty(
      name: "focal ≤ crossentropy",
      summary: "BFCE(y, p) ≤ \(bound == 1 ? "" : "\(Float(bound))·")BCE(y, p) + A (same smoothing): "
        + "1 − p_t ∈ [0, 1] for t, p ∈ [0, 1], so (1 − p_t)^γ ≤ 1; BCE from the reference",
      generator: binaryPairs(probe, axis: options.axis)
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let bce = try Probe.exact(
        .binaryCrossentropy(labelSmoothing: options.labelSmoothing, axis: options.axis), pair.yTrue, pair.yPred)
      return Law.atMost(evaluation.got, bce.map { bound * $0 }, slack: evaluation.allowance, "BFCE ≤ BCE")
    }
  }

  /// w·bce of each element: the reference BCE over a trailing axis of 1 gives the elements.
  static func weightedElementBCE(_ options: BinaryOptions, _ pair: Pair, balancing: Bool) throws -> [Double] {
    let shape = pair.yTrue.shape + [1]
    let bce = try Probe.exact(
      .binaryCrossentropy(labelSmoothing: options.labelSmoothing), try pair.yTrue.reshaped(to: shape),
      try pair.yPred.reshaped(to: shape))
    let alpha = options.focal?.alpha ?? 0.5
    return zip(pair.yTrue.scalars, bce).map { y, value in
      let t = options.target(y)
      return balancing ? (t * alpha + (1 - t) * (1 - alpha)) * value : value
    }
  }

  /// From logits equals the probability path on p = σ(x), where the clip changes nothing.
  ///
  /// Logits in [−15, 15] give σ(x) in [3.1e-7, 1 − 3.1e-7], inside [eps, 1 − 2⁻²³] also after
  /// rounding to float32, so the probability path computes −t·log p − (1 − t)·log(1 − p) unclipped.
  /// The reference evaluates it at fl(σ(x)); the exact effect of that rounding,
  /// d = [t·softplus(−x) + (1 − t)·softplus(x)] − [−t·log fl(σ) − (1 − t)·log(1 − fl(σ))], is added in
  /// Double (it is up to |fl(σ) − σ|/(1 − σ) ≈ 0.1 for σ near 1 − 3e-7, far beyond any ULP allowance).
  static func bceLogitsMatchProbabilities(_ probe: Probe) -> LossProperty {
    let options = BinaryOptions(probe.loss)
    return LossProperty(
      name: "from logits equals the probability path where nothing is clipped",
      summary: "|BCE_logits(y, x) − (BCE_prob(y, fl(σ(x))) + mean(d))| ≤ A for x ∈ [−15, 15], d the exact effect of "
        + "rounding σ(x) to float32; BCE_prob (same smoothing) from the reference",
      generator: binaryPairs(probe, axis: options.axis, logits: -15...15)
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let probabilities = pair.yPred.map { Float(exp(-softplus(-Double($0)))) }
      var clipped = [Bool](repeating: false, count: pair.yPred.count)
      let delta = pair.yPred.scalars.indices.map { i -> Double in
        let x = Double(pair.yPred.scalars[i])
        let p = Double(probabilities.scalars[i])
        clipped[i] = !(p >= eps && p <= oneMinusEps)
        let t = options.target(pair.yTrue.scalars[i])
        let logits = t * softplus(-x) + (1 - t) * softplus(x)
        let path = -(t * log(p) + (1 - t) * log1p(-p))
        return logits - path
      }
      let applies = lanes(pair.yTrue.shape, axes: [options.axis]).map { lane in lane.allSatisfy { !clipped[$0] } }
      let path = try Probe.exact(
        .binaryCrossentropy(labelSmoothing: options.labelSmoothing, axis: options.axis), pair.yTrue, probabilities)
      let expected = zip(path, laneMeans(pair.yTrue.shape, axis: options.axis, delta)).map(+)
      return Law.near(
        evaluation.got, expected, slack: evaluation.allowance, "BCE_logits = BCE_prob(σ(x))", applies: applies)
    }
  }
}
