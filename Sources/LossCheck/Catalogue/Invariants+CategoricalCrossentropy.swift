#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import PropertyCheck

// Categorical, categorical focal, sparse categorical and generalized crossentropy.
extension Invariants {
  static func categoricalCrossentropy(_ probe: Probe, _ candidate: Candidate) -> [LossProperty] {
    let loss = probe.loss
    switch loss {
    case .categoricalCrossentropy(let fromLogits, let labelSmoothing, _):
      var laws = [
        nonNegativeOnValidInputs(
          loss, candidate, name: "CCE", reason: "t ≥ 0 and log o ≤ 0 for the clipped o (log-softmax ≤ 0 from logits)")
      ]
      if !fromLogits { laws.append(cceMinimisedAtTruth(probe)) }
      if labelSmoothing != 0 { laws.append(categoricalSmoothing(probe)) }
      if fromLogits { laws.append(categoricalLogitsMatchProbabilities(probe)) }
      return laws
    case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, let labelSmoothing, let axis):
      var laws = [
        nonNegativeOnValidInputs(
          loss, candidate, name: "categorical focal crossentropy",
          reason: "α ≥ 0, (1 − o)^γ ≥ 0 and −t·log o ≥ 0 for the clipped o")
      ]
      // One α per class broadcasts along the last axis: those laws need it to be the class axis.
      guard alpha.count == 1 || axis == -1 else { return laws }
      if !fromLogits {
        laws.append(gamma == 0 ? categoricalFocalWithoutFocus(probe) : categoricalFocalBelowCrossentropy(probe))
      }
      if labelSmoothing != 0 { laws.append(categoricalSmoothing(probe)) }
      return laws
    case .sparseCategoricalCrossentropy(let fromLogits, _, _):
      var laws = [
        nonNegativeOnValidInputs(
          loss, candidate, name: "SCCE", reason: "−log o_t ≥ 0 for the clipped o (and 0 where ignored)"),
        sparseMatchesOneHot(probe),
      ]
      if fromLogits { laws.append(categoricalLogitsMatchProbabilities(probe)) }
      return laws
    case .categoricalGeneralizedCrossEntropy:
      return [generalizedRange(probe)]
    default:
      return []
    }
  }

  /// The options every categorical law reads (options rounded to float32 as Keras holds them).
  struct CategoricalOptions {
    var fromLogits = false
    var labelSmoothing = 0.0
    var axis = -1
    var ignoreClass: Int? = nil
    var sparse = false
    var focal: (alpha: [Double], gamma: Double)? = nil

    init(_ loss: Loss) {
      switch loss {
      case .categoricalCrossentropy(let fromLogits, let labelSmoothing, let axis):
        (self.fromLogits, self.labelSmoothing, self.axis) = (fromLogits, f32(labelSmoothing), axis)
      case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, let labelSmoothing, let axis):
        (self.fromLogits, self.labelSmoothing, self.axis) = (fromLogits, f32(labelSmoothing), axis)
        focal = (alpha.map(f32), f32(gamma))
      case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, let axis):
        (self.fromLogits, self.ignoreClass, self.axis, sparse) = (fromLogits, ignoreClass, axis, true)
      default:
        break
      }
    }

    /// The smoothed target row: y·(1 − ls) + ls/C in Double, C the row's length.
    func targets(_ row: [Float]) -> [Double] {
      guard labelSmoothing != 0 else { return row.map(Double.init) }
      return row.map { Double($0) * (1 - labelSmoothing) + labelSmoothing / Double(row.count) }
    }

    /// The same loss without label smoothing.
    func unsmoothed(_ loss: Loss) -> Loss {
      switch loss {
      case .categoricalCrossentropy(let fromLogits, _, let axis):
        .categoricalCrossentropy(fromLogits: fromLogits, axis: axis)
      case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, _, let axis):
        .categoricalFocalCrossentropy(alpha: alpha, gamma: gamma, fromLogits: fromLogits, axis: axis)
      default:
        loss
      }
    }
  }

  /// Shapes with a class axis of `classes` entries at `axis` and 1–3 samples.
  ///
  /// A focal loss with one α per class fixes the class count to α's.
  static func classShapes(_ probe: Probe, axis: Int, classes: ClosedRange<Int> = 1...6) -> Gen<[Int]> {
    var classes = classes
    if case .categoricalFocalCrossentropy(let alpha, _, _, _, _) = probe.loss, alpha.count > 1 {
      classes = alpha.count...alpha.count
    }
    return rowShapes(axis: axis, length: classes, batch: probe.batch)
  }

  /// Rows from `rows` (drawn with the classes last) laid along `axis` of the shape.
  static func along(_ axis: Int, _ rows: @escaping Tensors) -> Tensors {
    { shape in
      let a = Shape.normalizedAxis(axis, rank: shape.count) ?? shape.count - 1
      let classes = shape[a]
      return rows([shape.reduce(1, *) / classes, classes]).map { value in
        var scalars = value.scalars
        for (lane, offsets) in lanes(shape, axes: [axis]).enumerated() {
          for (j, offset) in offsets.enumerated() { scalars[offset] = value.scalars[lane * classes + j] }
        }
        return TensorValue(shape: shape, scalars: scalars)
      }
    }
  }

  static let probabilityRows: Tensors = { Gen.probabilities(shape: $0) }
  static let targetRows: Tensors = { shape in Gen.oneOf(Gen.oneHot(shape: shape), Gen.probabilities(shape: shape)) }

  /// The rows of `x` along `axis`, in Double.
  static func rows(_ x: Tensor<Float>, axis: Int) -> [[Double]] {
    lanes(x.shape, axes: [axis]).map { lane in lane.map { Double(x.scalars[$0]) } }
  }

  /// The log-probabilities Keras's categorical loss takes of a prediction row, in Double.
  static func logProbabilities(_ row: [Double], fromLogits: Bool) -> [Double] {
    fromLogits ? logSoftmax(row) : clippedNormalized(row).map { log($0) }
  }

  /// CE(y, p) ≥ CE(y, r) − S_t·log Σo − Σ t·log(t̂/o*), with r the (rounded, smoothed) truth.
  ///
  /// The textbook law CE(y, p) ≥ CE(y, y) (Gibbs' inequality) is false under Keras's clipping: the
  /// renormalised row o = clip(p/Σp) no longer sums to 1 when an entry is raised to eps, and a target
  /// entry below eps is raised at p = y too. E.g. y = [½, ½ − δ, δ] with δ < eps against
  /// p = [½, ½, 0] gives a lower loss than p = y, by about δ. What holds for any prediction: with
  /// t the (smoothed) target, S_t = Σt, t̂ = t/S_t, o = clip(p/Σp) and o* = clip(r/Σr) at the
  /// reference point r = fl(t), CE(t, p) − CE(t, r) = Σ t·log(t̂/o) − Σ t·log(t̂/o*), and the log-sum
  /// inequality gives Σ t·log(t̂/o) ≥ −S_t·log Σo. Both corrections are computed in Double; they are
  /// a few eps at most.
  static func cceMinimisedAtTruth(_ probe: Probe) -> LossProperty {
    let options = CategoricalOptions(probe.loss)
    let axis = options.axis
    return LossProperty(
      name: "crossentropy is minimised at the truth (up to the clip's mass)",
      summary: "CE(y, p) ≥ CE(y, r) − S_t·log Σ_c o_c − Σ_c t_c·log(t̂_c/o*_c) − A₁ − A₂, with t the smoothed target, "
        + "r = fl(t), S_t = Σt, t̂ = t/S_t, o = clip(p/Σp), o* = clip(r/Σr); the textbook CE(y, p) ≥ CE(y, y) is false "
        + "under the clip by up to the mass the clip adds (≤ (C − 1)·eps)",
      generator: pairs(classShapes(probe, axis: axis), along(axis, targetRows), along(axis, probabilityRows))
    ) { pair, candidate, _ in
      let laneOffsets = lanes(pair.yTrue.shape, axes: [axis])
      var truth = pair.yTrue
      var corrections = [Double]()
      for lane in laneOffsets {
        let t = options.targets(lane.map { pair.yTrue.scalars[$0] })
        let r = t.map { Float($0) }
        for (j, offset) in lane.enumerated() { truth.scalars[offset] = r[j] }
        let total = t.reduce(0, +)
        let o = clippedNormalized(lane.map { Double(pair.yPred.scalars[$0]) })
        let oStar = clippedNormalized(r.map(Double.init))
        let gap = zip(t, oStar).reduce(0.0) { sum, pair in
          pair.0 == 0 ? sum : sum + pair.0 * log((pair.0 / total) / pair.1)
        }
        corrections.append(-total * log(o.reduce(0, +)) - gap)
      }
      let atP = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let atTruth = try probe.evaluate(candidate, pair.yTrue, truth)
      let lower = zip(atTruth.got, corrections).map { Double($0) + $1 }
      return Law.atLeast(
        atP.got, lower, slack: zip(atP.allowance, atTruth.allowance).map(+), "CE(y, p) ≥ CE(y, truth) − clip mass")
    }
  }

  /// The label-smoothed loss equals the unsmoothed loss (the reference) on smoothed labels.
  ///
  /// CCE and the focal loss are linear in t: Σ_c t_c·k_c with k_c = −log o_c (focal: α_c·(1 − o_c)^γ·(−log o_c)).
  /// Rounding the smoothed labels to float32 moves the other side by Σ_c |t_c − fl(t_c)|·|k_c| at most,
  /// added to the allowance (o from the clipped row, or the softmax of the logits; the focal loss
  /// renormalises and clips its softmax too).
  static func categoricalSmoothing(_ probe: Probe) -> LossProperty {
    let options = CategoricalOptions(probe.loss)
    let axis = options.axis
    let predictions = options.fromLogits ? along(axis, values(in: -30...30)) : along(axis, probabilityRows)
    let unsmoothed = options.unsmoothed(probe.loss)
    return LossProperty(
      name: "label smoothing equals the unsmoothed loss on smoothed labels",
      summary: "|L_ls(y, p) − L₀(fl(t), p)| ≤ A + Σ_c |t_c − fl(t_c)|·|k_c| with t = y·(1 − ls) + ls/C and k_c the "
        + "coefficient of t_c (the loss is linear in t); L₀ (label_smoothing 0) from the reference",
      generator: pairs(classShapes(probe, axis: axis), along(axis, targetRows), predictions)
    ) { pair, candidate, _ in
      var smoothed = pair.yTrue
      var extra = [Double]()
      let predictionRows = rows(pair.yPred, axis: axis)
      for (index, lane) in lanes(pair.yTrue.shape, axes: [axis]).enumerated() {
        let t = options.targets(lane.map { pair.yTrue.scalars[$0] })
        for (j, offset) in lane.enumerated() { smoothed.scalars[offset] = Float(t[j]) }
        let row = predictionRows[index]
        var coefficients: [Double]
        if let focal = options.focal {
          let o = clippedNormalized(options.fromLogits ? logSoftmax(row).map { exp($0) } : row)
          coefficients = o.indices.map { j in
            let a = focal.alpha.count == 1 ? focal.alpha[0] : focal.alpha[lane[j] % focal.alpha.count]
            return a * pow(1 - o[j], focal.gamma) * -log(o[j])
          }
        } else {
          coefficients = logProbabilities(row, fromLogits: options.fromLogits).map { -$0 }
        }
        extra.append(
          zip(t, coefficients).enumerated().reduce(0.0) { sum, item in
            sum + abs(item.element.0 - Double(Float(item.element.0))) * abs(item.element.1)
          })
      }
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let expected = try Probe.exact(unsmoothed, smoothed, pair.yPred)
      return Law.near(
        evaluation.got, expected, slack: zip(evaluation.allowance, extra).map(+), "L_ls(y, p) = L₀(smoothed y, p)")
    }
  }

  /// From logits equals the probability path on softmax(x), where the clip changes nothing.
  ///
  /// Logits in [−6, 6] over 2–6 classes give softmax entries in [1e-6, 1 − 1e-6], inside
  /// [eps, 1 − 2⁻²³] also after rounding and renormalising. The reference evaluates the probability
  /// path at p = fl(softmax(x)); the exact effect of that rounding, Σ t·(log o − log s) with
  /// o = p/Σp and s the exact softmax, is added in Double. For sparse labels t is the one-hot row
  /// and ignored entries stay 0.
  static func categoricalLogitsMatchProbabilities(_ probe: Probe) -> LossProperty {
    let options = CategoricalOptions(probe.loss)
    let axis = options.axis
    let probabilityLoss: Loss =
      options.sparse
      ? .sparseCategoricalCrossentropy(ignoreClass: options.ignoreClass, axis: axis)
      : .categoricalCrossentropy(labelSmoothing: options.labelSmoothing, axis: axis)
    let generator: Gen<Pair> =
      options.sparse
      ? sparsePairs(probe, classes: 2...6, predictions: values(in: -6...6))
      : pairs(classShapes(probe, axis: axis, classes: 2...6), along(axis, targetRows), along(axis, values(in: -6...6)))
    return LossProperty(
      name: "from logits equals the probability path where nothing is clipped",
      summary: "|CE_logits(y, x) − (CE_prob(y, fl(softmax x)) + Σ t·(log o − log s))| ≤ A for logits in [−6, 6] "
        + "(no entry clipped), the sum the exact effect of rounding the softmax to float32; CE_prob from the reference",
      generator: generator
    ) { pair, candidate, _ in
      var probabilities = pair.yPred
      var deltas = [Double]()
      var applies = [Bool]()
      let predictionLanes = lanes(pair.yPred.shape, axes: [axis])
      for (index, lane) in predictionLanes.enumerated() {
        let logS = logSoftmax(lane.map { Double(pair.yPred.scalars[$0]) })
        let p = logS.map { Float(exp($0)) }
        for (j, offset) in lane.enumerated() { probabilities.scalars[offset] = p[j] }
        let total = p.reduce(0.0) { $0 + Double($1) }
        let logO = p.map { log(Double($0) / total) }
        applies.append(logO.allSatisfy { exp($0) >= eps && exp($0) <= oneMinusEps })
        let t: [Double]
        if options.sparse {
          let label = Double(pair.yTrue.scalars[index])
          t =
            label == Double(options.ignoreClass ?? -1)
            ? Array(repeating: 0, count: lane.count)
            : lane.indices.map { Double($0) == label ? 1 : 0 }
        } else {
          t = options.targets(lanes(pair.yTrue.shape, axes: [axis])[index].map { pair.yTrue.scalars[$0] })
        }
        deltas.append(zip(t, zip(logO, logS)).reduce(0.0) { $0 + $1.0 * ($1.1.0 - $1.1.1) })
      }
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let path = try Probe.exact(probabilityLoss, pair.yTrue, probabilities)
      return Law.near(
        evaluation.got, zip(path, deltas).map(+), slack: evaluation.allowance, "CE_logits = CE_prob(softmax x)",
        applies: applies)
    }
  }

  /// Focal with γ = 0 equals α·CCE: (1 − o)⁰ = 1 leaves Σ α_c·(−t_c·log o_c).
  ///
  /// With one α this is α·CCE(y, p) (CCE from the reference with the same smoothing). With one α per
  /// class (along the last axis, which must then be the class axis) it is CCE(α⊙t, p), linear in
  /// t; α⊙t rounded to float32 moves it by Σ |α_c·t_c − fl(α_c·t_c)|·|log o_c|, added to the allowance.
  static func categoricalFocalWithoutFocus(_ probe: Probe) -> LossProperty {
    let options = CategoricalOptions(probe.loss)
    let axis = options.axis
    let alpha = options.focal!.alpha
    return LossProperty(
      name: "focal with γ = 0 equals α·crossentropy",
      summary: alpha.count == 1
        ? "|CFCE_γ=0(y, p) − α·CCE(y, p)| ≤ A with α = \(Float(alpha[0])); CCE (same smoothing) from the reference"
        : "|CFCE_γ=0(y, p) − CCE(fl(α⊙t), p)| ≤ A + Σ|α_c·t_c − fl(α_c·t_c)|·|log o_c|; CCE from the reference",
      generator: pairs(classShapes(probe, axis: axis), along(axis, targetRows), along(axis, probabilityRows))
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      if alpha.count == 1 {
        let cce = try Probe.exact(
          .categoricalCrossentropy(labelSmoothing: options.labelSmoothing, axis: axis), pair.yTrue, pair.yPred)
        return Law.near(evaluation.got, cce.map { alpha[0] * $0 }, slack: evaluation.allowance, "CFCE_γ=0 = α·CCE")
      }
      var weighted = pair.yTrue
      var extra = [Double]()
      let predictionRows = rows(pair.yPred, axis: -1)
      for (index, lane) in lanes(pair.yTrue.shape, axes: [-1]).enumerated() {
        let t = options.targets(lane.map { pair.yTrue.scalars[$0] })
        let logO = logProbabilities(predictionRows[index], fromLogits: false)
        var sum = 0.0
        for j in lane.indices {
          let exact = alpha[j] * t[j]
          weighted.scalars[lane[j]] = Float(exact)
          sum += abs(exact - Double(Float(exact))) * abs(logO[j])
        }
        extra.append(sum)
      }
      let cce = try Probe.exact(.categoricalCrossentropy(), weighted, pair.yPred)
      return Law.near(evaluation.got, cce, slack: zip(evaluation.allowance, extra).map(+), "CFCE_γ=0 = CCE(α⊙t)")
    }
  }

  /// Focal ≤ max(α)·crossentropy: every factor (1 − o_c)^γ ≤ 1 and −t_c·log o_c ≥ 0.
  static func categoricalFocalBelowCrossentropy(_ probe: Probe) -> LossProperty {
    let options = CategoricalOptions(probe.loss)
    let axis = options.axis
    let bound = options.focal!.alpha.max() ?? 1
    return LossProperty(
      name: "focal ≤ α·crossentropy",
      summary:
        "CFCE(y, p) ≤ \(Float(bound))·CCE(y, p) + A (same smoothing), since (1 − o_c)^γ ≤ 1; CCE from the reference",
      generator: pairs(classShapes(probe, axis: axis), along(axis, targetRows), along(axis, probabilityRows))
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let cce = try Probe.exact(
        .categoricalCrossentropy(labelSmoothing: options.labelSmoothing, axis: axis), pair.yTrue, pair.yPred)
      return Law.atMost(evaluation.got, cce.map { bound * $0 }, slack: evaluation.allowance, "CFCE ≤ α·CCE")
    }
  }

  // MARK: Sparse labels

  /// Labels (y_pred's shape without the class axis, some of them `ignore_class`) and predictions.
  static func sparsePairs(_ probe: Probe, classes: ClosedRange<Int> = 1...6, predictions: @escaping Tensors) -> Gen<
    Pair
  > {
    let options = CategoricalOptions(probe.loss)
    let axis = options.axis
    return classShapes(probe, axis: axis, classes: classes).flatMap { shape in
      let a = Shape.normalizedAxis(axis, rank: shape.count) ?? shape.count - 1
      let count = shape[a]
      let labelShape = shape.enumerated().filter { $0.offset != a }.map(\.element)
      let label =
        options.ignoreClass.map { ignored in
          Gen.frequency([(4, Gen.int(in: 0..<count)), (1, .constant(ignored))])
        } ?? Gen.int(in: 0..<count)
      return zip(label.tensor(shape: labelShape), along(axis, predictions)(shape)).map { labels, p in
        Pair(
          yTrue: try! Tensor(shape: labelShape, scalars: labels.scalars.map(Float.init)), yPred: tensor(p), extra: ())
      }
    }
  }

  /// SCCE on labels equals CCE (the reference) on their one-hot rows; ignored labels give 0.
  static func sparseMatchesOneHot(_ probe: Probe) -> LossProperty {
    let options = CategoricalOptions(probe.loss)
    let axis = options.axis
    let ignored = options.ignoreClass.map { " (labels equal to ignore_class \($0) give 0)" } ?? ""
    return LossProperty(
      name: "sparse equals categorical on one-hot labels",
      summary: "|SCCE(labels, p) − CCE(one_hot(labels), p)| ≤ A\(ignored); the exact values are equal; "
        + "CCE\(options.fromLogits ? " from logits" : "") from the reference",
      generator: sparsePairs(probe, predictions: options.fromLogits ? values(in: -1e4...1e4) : probabilityRows)
    ) { pair, candidate, _ in
      var oneHot = pair.yPred.map { _ in Float(0) }
      var isIgnored = [Bool]()
      for (index, lane) in lanes(pair.yPred.shape, axes: [axis]).enumerated() {
        let label = pair.yTrue.scalars[index]
        isIgnored.append(options.ignoreClass.map { Float($0) == label } ?? false)
        if let j = Int(exactly: label), lane.indices.contains(j) { oneHot.scalars[lane[j]] = 1 }
      }
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let cce = try Probe.exact(
        .categoricalCrossentropy(fromLogits: options.fromLogits, axis: axis), oneHot, pair.yPred)
      let expected = zip(cce, isIgnored).map { $1 ? 0 : $0 }
      return Law.near(evaluation.got, expected, slack: evaluation.allowance, "SCCE = CCE(one-hot)")
    }
  }

  // MARK: Generalized crossentropy

  /// 0 ≤ GCE ≤ min(1/q, −log p_t): p_t ∈ [0, 1] for probability rows, and 1 − e^(−z) ≤ z with
  /// z = −q·log p_t.
  static func generalizedRange(_ probe: Probe) -> LossProperty {
    guard case .categoricalGeneralizedCrossEntropy(let qOption) = probe.loss else { preconditionFailure() }
    let q = f32(qOption)
    let generator = rowShapes(axis: -1, length: 2...6, batch: probe.batch).flatMap { shape in
      zip(Gen.int(in: 0..<shape[1]).tensor(shape: [shape[0]]), Gen.probabilities(shape: shape)).map { labels, p in
        Pair(
          yTrue: try! Tensor(shape: [shape[0]], scalars: labels.scalars.map(Float.init)), yPred: tensor(p), extra: ())
      }
    }
    return LossProperty(
      name: "0 ≤ GCE ≤ min(1/q, −log p_t)",
      summary: "0 ≤ GCE exactly, and GCE ≤ min(1/q, −log p_t) + A with q = \(Float(q)), for probability rows: "
        + "(1 − p_t^q)/q ∈ [0, 1/q] for p_t ∈ [0, 1], and 1 − e^(−z) ≤ z",
      generator: generator
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let classes = pair.yPred.shape[1]
      let upper = pair.yTrue.scalars.enumerated().map { row, label in
        min(1 / q, -log(Double(pair.yPred.scalars[row * classes + Int(label)])))
      }
      return Law.nonNegative(evaluation.got, "GCE ≥ 0")
        ?? Law.atMost(evaluation.got, upper, slack: evaluation.allowance, "GCE ≤ min(1/q, −log p_t)")
    }
  }
}
