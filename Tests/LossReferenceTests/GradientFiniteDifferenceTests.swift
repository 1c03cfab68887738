// The analytic gradient of every loss against central finite differences of `Reference.evaluate`,
// in Double, on deterministic pseudo-random inputs kept away from kinks and clip bounds.
//
// Step and tolerance. For a smooth f the central difference (f(p + h) − f(p − h)) / 2h differs from
// f'(p) by the truncation error h²·f'''(ξ)/6 plus the rounding error of the two evaluations,
// about 2·c·ε·F/(2h) = c·ε·F/h, where ε = 2⁻⁵³ ≈ 1.1e-16, F is the magnitude of the terms summed
// into f (the reference's compensated sums keep c a small constant) and h the step. With
// h = 1e-5·max(|p|, 1):
// - rounding: c·1.1e-16·F / 1e-5 ≈ c·1e-11·F, well below 1e-6 of any gradient of size ≥ 1e-4·F;
// - truncation: 1e-10·|f'''|/6, below 1e-6·|f'| as long as f' changes on a length scale above
//   ~0.01, which the generators below ensure (no input within 0.01-ish of a kink, a clip bound, or a
//   singularity; the few losses with sharp curvature — circle's γ = 80, log-space CTC — still sit
//   orders of magnitude inside the bound).
// So an element passes when |FD − g| ≤ 1e-6·|g| + 1e-6·‖g‖∞·1e-2: relative 1e-6, with an absolute
// floor at 1e-8 of the largest component for the components that are (nearly) zero, where only
// the absolute errors above can speak. A wrong factor, sign, missing chain-rule term or mis-summed
// broadcast is off by far more than that.

import LossCore
import Testing

@testable import LossReference

/// The scenarios, built from fixed seeds: every loss, its main options, and all five reductions.
private let scenarios: [GradientScenario] = {
  var r = GradientRandom(seed: 0x6772_6164_6965_6E74)
  var list: [GradientScenario] = []
  let reductions = Reduction.allCases

  func add(_ base: GradientScenario, weightShape: [Int]? = nil) {
    // Every scenario under each reduction; weighted under `sum` and `mean_with_sample_weight`.
    for reduction in reductions {
      list.append(base.with(reduction))
    }
    let shape = weightShape ?? Array(base.yTrue.shape.prefix(1))
    let count = shape.reduce(1, *)
    let weight = gradientTensor(r.uniforms(count, 0.2, 2), shape)
    list.append(base.with(.sum, weight: weight))
    list.append(base.with(.meanWithSampleWeight, weight: weight))
    list.append(base.with(.sumOverBatchSize, weight: weight))
  }

  // Regression: elementwise terms, mean over the last axis.
  let (b, c) = (3, 4)
  let y = r.uniforms(b * c, -2, 2)
  let away = y.map { $0 + r.sign() * r.uniform(0.1, 1.5) }
  add(GradientScenario(name: "mse", loss: .meanSquaredError, yTrue: gradientTensor(y, [b, c]), yPred: gradientTensor(away, [b, c])))
  add(GradientScenario(name: "mae", loss: .meanAbsoluteError, yTrue: gradientTensor(y, [b, c]), yPred: gradientTensor(away, [b, c])))
  let yNonZero = y.map { $0 >= 0 ? $0 + 0.2 : $0 - 0.2 }
  let awayNonZero = yNonZero.map { $0 + r.sign() * r.uniform(0.1, 1.5) }
  add(GradientScenario(
    name: "mape", loss: .meanAbsolutePercentageError, yTrue: gradientTensor(yNonZero, [b, c]),
    yPred: gradientTensor(awayNonZero, [b, c])))
  add(GradientScenario(
    name: "msle", loss: .meanSquaredLogarithmicError, yTrue: gradientTensor(r.uniforms(b * c, 0.1, 3), [b, c]),
    yPred: gradientTensor(r.uniforms(b * c, 0.1, 3), [b, c])))
  for delta in [1.0, 0.5] {
    // |e| in (0.1, 0.9)·δ or (1.1, 3)·δ: both branches, away from |e| = δ.
    let errors = (0..<(b * c)).map { i in r.sign() * delta * (i % 2 == 0 ? r.uniform(0.1, 0.9) : r.uniform(1.1, 3)) }
    add(GradientScenario(
      name: "huber δ=\(delta)", loss: .huber(delta: delta), yTrue: gradientTensor(y, [b, c]),
      yPred: gradientTensor(zip(y, errors).map(+), [b, c])))
  }
  add(GradientScenario(name: "log_cosh", loss: .logCosh, yTrue: gradientTensor(y, [b, c]), yPred: gradientTensor(r.uniforms(b * c, -3, 3), [b, c])))
  add(GradientScenario(
    name: "poisson", loss: .poisson, yTrue: gradientTensor(r.labels(b * c, in: 0...4), [b, c]),
    yPred: gradientTensor(r.uniforms(b * c, 0.2, 4), [b, c])))
  // y_pred (1, C) broadcast against y_true (B, C): its gradient sums over the B copies.
  add(GradientScenario(
    name: "mse broadcast y_pred", loss: .meanSquaredError, yTrue: gradientTensor(y, [b, c]),
    yPred: gradientTensor(r.uniforms(c, -2, 2), [1, c])))
  // y_pred (B, 1) against y_true (B,): rank alignment.
  add(GradientScenario(
    name: "mse rank-aligned", loss: .meanSquaredError, yTrue: gradientTensor(r.uniforms(b, -1, 1), [b]),
    yPred: gradientTensor(r.uniforms(b, -1, 1), [b, 1])))

  // Hinges: margins 1 − y'·p kept at least 0.05 from 0.
  let binaryLabels = r.labels(b * c, in: 0...1)
  let hingeScores = binaryLabels.map { label -> Double in
    let sign = label == 1 ? 1.0 : -1.0
    let margin = r.sign() * r.uniform(0.05, 1.5)  // 1 − sign·p = margin
    return sign * (1 - margin)
  }
  add(GradientScenario(name: "hinge {0,1}", loss: .hinge, yTrue: gradientTensor(binaryLabels, [b, c]), yPred: gradientTensor(hingeScores, [b, c])))
  add(GradientScenario(name: "squared_hinge {0,1}", loss: .squaredHinge, yTrue: gradientTensor(binaryLabels, [b, c]), yPred: gradientTensor(hingeScores, [b, c])))
  let signedLabels = binaryLabels.map { $0 == 1 ? 1.0 : -1.0 }
  add(GradientScenario(name: "hinge ±1", loss: .hinge, yTrue: gradientTensor(signedLabels, [b, c]), yPred: gradientTensor(hingeScores, [b, c])))
  // Categorical hinge: a unique largest wrong score, and neg − pos + 1 away from 0.
  let categoricalRows = (0..<b).map { row -> (y: [Double], p: [Double]) in
    let hot = row % c
    // Distinct by ≥ 0.2, rotated by a random offset.
    let offset = r.integer(in: 0...(c - 1))
    var p = (0..<c).map { Double(($0 + offset) % c) * 0.3 + r.uniform(0, 0.1) }
    p[hot] = row == 0 ? p.max()! + 2 : r.uniform(-0.5, 0.5)  // row 0: margin satisfied, loss 0
    return ((0..<c).map { $0 == hot ? 1 : 0 }, p)
  }
  add(GradientScenario(
    name: "categorical_hinge", loss: .categoricalHinge, yTrue: gradientTensor(categoricalRows.flatMap(\.y), [b, c]),
    yPred: gradientTensor(categoricalRows.flatMap(\.p), [b, c])))

  // Divergences.
  func simplex(_ rows: Int, _ classes: Int, low: Double) -> [Double] {
    (0..<rows).flatMap { _ -> [Double] in
      let raw = r.uniforms(classes, low, 1)
      let total = raw.reduce(0, +)
      return raw.map { $0 / total }
    }
  }
  add(GradientScenario(
    name: "kl_divergence", loss: .klDivergence, yTrue: gradientTensor(simplex(b, c, low: 0.1), [b, c]),
    yPred: gradientTensor(simplex(b, c, low: 0.1), [b, c])))
  add(GradientScenario(
    name: "cosine_similarity", loss: .cosineSimilarity(), yTrue: gradientTensor(r.uniforms(b * c, -1, 1), [b, c]),
    yPred: gradientTensor(r.uniforms(b * c, -1, 1), [b, c])))
  add(GradientScenario(
    name: "cosine_similarity axis 0", loss: .cosineSimilarity(axis: 0), yTrue: gradientTensor(r.uniforms(b * c, -1, 1), [b, c]),
    yPred: gradientTensor(r.uniforms(b * c, -1, 1), [b, c])), weightShape: [c])

  // Binary crossentropies: probabilities in (0.05, 0.95), far from the clip bounds.
  let probabilities = r.uniforms(b * c, 0.05, 0.95)
  let logits = r.uniforms(b * c, -4, 4)
  let softTargets = r.uniforms(b * c, 0, 1)
  for (name, loss, p) in [
    ("bce", Loss.binaryCrossentropy(), probabilities),
    ("bce logits", .binaryCrossentropy(fromLogits: true), logits),
    ("bce ls=0.1", .binaryCrossentropy(labelSmoothing: 0.1), probabilities),
    ("bce logits ls=0.2 axis 0", .binaryCrossentropy(fromLogits: true, labelSmoothing: 0.2, axis: 0), logits),
  ] {
    add(GradientScenario(name: name, loss: loss, yTrue: gradientTensor(softTargets, [b, c]), yPred: gradientTensor(p, [b, c])),
      weightShape: name.hasSuffix("axis 0") ? [c] : nil)
  }
  for (name, loss, p) in [
    ("focal", Loss.binaryFocalCrossentropy(), probabilities),
    ("focal balanced γ=0.5", .binaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.6, gamma: 0.5), probabilities),
    ("focal γ=0", .binaryFocalCrossentropy(gamma: 0), probabilities),
    ("focal logits ls=0.2", .binaryFocalCrossentropy(fromLogits: true, labelSmoothing: 0.2), logits),
  ] {
    add(GradientScenario(name: name, loss: loss, yTrue: gradientTensor(binaryLabels, [b, c]), yPred: gradientTensor(p, [b, c])))
  }

  // Categorical crossentropies: unnormalised positive rows whose normalised entries stay ≥ 0.03.
  let rows = r.uniforms(b * c, 0.2, 1.5)
  let classLogits = r.uniforms(b * c, -3, 3)
  let softRows = simplex(b, c, low: 0)
  for (name, loss, p, t) in [
    ("cce", Loss.categoricalCrossentropy(), rows, softRows),
    ("cce logits", .categoricalCrossentropy(fromLogits: true), classLogits, softRows),
    ("cce ls=0.1", .categoricalCrossentropy(labelSmoothing: 0.1), rows, r.oneHot(rows: b, classes: c)),
    ("cce logits ls=0.1", .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), classLogits, r.oneHot(rows: b, classes: c)),
    ("cfce", .categoricalFocalCrossentropy(), rows, r.oneHot(rows: b, classes: c)),
    ("cfce α per class γ=1", .categoricalFocalCrossentropy(alpha: [0.1, 0.2, 0.3, 0.4], gamma: 1), rows, softRows),
    ("cfce logits ls=0.1", .categoricalFocalCrossentropy(fromLogits: true, labelSmoothing: 0.1), classLogits, r.oneHot(rows: b, classes: c)),
  ] {
    add(GradientScenario(name: name, loss: loss, yTrue: gradientTensor(t, [b, c]), yPred: gradientTensor(p, [b, c])))
  }
  // Class axis 1 of a rank-3 tensor.
  add(GradientScenario(
    name: "cce logits axis 1", loss: .categoricalCrossentropy(fromLogits: true, axis: 1),
    yTrue: gradientTensor(simplex(2 * 3, 2, low: 0), [2, 2, 3]), yPred: gradientTensor(r.uniforms(12, -2, 2), [2, 2, 3])),
    weightShape: [2, 3])

  let sparseLabels = r.labels(b, in: 0...(c - 1))
  add(GradientScenario(
    name: "scce", loss: .sparseCategoricalCrossentropy(), yTrue: gradientTensor(sparseLabels, [b]), yPred: gradientTensor(rows, [b, c])))
  add(GradientScenario(
    name: "scce logits", loss: .sparseCategoricalCrossentropy(fromLogits: true), yTrue: gradientTensor(sparseLabels, [b]),
    yPred: gradientTensor(classLogits, [b, c])))
  add(GradientScenario(
    name: "scce logits ignore_class", loss: .sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1),
    yTrue: gradientTensor([sparseLabels[0], -1, sparseLabels[2]], [b]), yPred: gradientTensor(classLogits, [b, c])))
  add(GradientScenario(
    name: "scce ignore_class", loss: .sparseCategoricalCrossentropy(ignoreClass: 0),
    yTrue: gradientTensor([1, 0, 2], [b]), yPred: gradientTensor(rows, [b, c])))
  for q in [0.5, 0.1] {
    add(GradientScenario(
      name: "gce q=\(q)", loss: .categoricalGeneralizedCrossEntropy(q: q), yTrue: gradientTensor(sparseLabels, [b]),
      yPred: gradientTensor(r.uniforms(b * c, 0.1, 1), [b, c])))
  }

  // CTC: 2 sequences, T = 6 steps, 4 classes (blank 0), labels with a repeat.
  add(GradientScenario(
    name: "ctc", loss: .ctc, yTrue: gradientTensor([1, 1, 2, 3, 0, 0], [2, 3]), yPred: gradientTensor(r.uniforms(2 * 6 * 4, -2, 2), [2, 6, 4])))

  // Overlap losses.
  let masks = r.labels(b * c, in: 0...1)
  let segmentation = r.uniforms(b * c, 0.05, 0.95)
  for (name, loss) in [
    ("dice", Loss.dice()), ("dice axis 1", .dice(axis: [1])), ("tversky", .tversky()),
    ("tversky α=0.7 β=0.3 axis 1", .tversky(alpha: 0.7, beta: 0.3, axis: [1])),
  ] {
    add(GradientScenario(name: name, loss: loss, yTrue: gradientTensor(masks, [b, c]), yPred: gradientTensor(segmentation, [b, c])))
  }

  // Circle: embeddings of norm 0.9, so d_ii = 0.19 stays off max(·, 0)'s kink when the diagonal
  // is kept, and no pair sits at 1 + m − d = 0.
  let embeddings = (0..<5).flatMap { _ -> [Double] in
    let v = r.uniforms(3, -1, 1)
    let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
    return v.map { 0.9 * $0 / norm }
  }
  let circleLabels: [Double] = [0, 1, 0, 1, 1]
  for (name, loss) in [
    ("circle", Loss.circle()), ("circle γ=10 m=0.25", .circle(gamma: 10, margin: 0.25)),
    ("circle with diagonal", .circle(removeDiagonal: false)),
  ] {
    add(GradientScenario(name: name, loss: loss, yTrue: gradientTensor(circleLabels, [5]), yPred: gradientTensor(embeddings, [5, 3])))
  }
  return list
}()

@Test(arguments: scenarios)
func gradientMatchesCentralDifferences(_ scenario: GradientScenario) throws {
  let gradient = try scenario.gradient()
  #expect(gradient.shape == scenario.yPred.shape)
  let differences = try scenario.centralDifferences()
  let largest = gradient.scalars.map(abs).max() ?? 0
  for (i, (g, fd)) in zip(gradient.scalars, differences).enumerated() {
    let allowed = 1e-6 * abs(g) + 1e-8 * largest
    #expect(
      abs(fd - g) <= allowed,
      "[\(i)] analytic \(g), central difference \(fd), |Δ| \(abs(fd - g)), allowed \(allowed)")
  }
}

/// The scenarios are non-trivial: every loss is covered, and gradients are not all zero.
@Test func scenariosCoverEveryLoss() throws {
  #expect(Set(scenarios.map(\.loss.name)) == Set(LossName.allCases))
  for scenario in scenarios where scenario.reduction == .sum && scenario.sampleWeight == nil {
    #expect(try scenario.gradient().scalars.contains { $0 != 0 }, "\(scenario.name)")
  }
}
