import LossCore
import PropertyCheck

// Hinge, squared hinge and categorical hinge.
extension Invariants {
  static func hinge(_ probe: Probe, _ candidate: Candidate) -> [LossProperty] {
    let loss = probe.loss
    let name = loss == .hinge ? "hinge" : loss == .squaredHinge ? "squared hinge" : "categorical hinge"
    var laws = [
      nonNegativeOnValidInputs(loss, candidate, name: name, reason: "every term is max(·, 0) (or its square)")
    ]
    switch loss {
    case .hinge, .squaredHinge:
      laws += [hingeLabelConversion(probe, name: name), hingeZeroBeyondMargin(probe, name: name), hingeJensen(probe)]
    case .categoricalHinge:
      laws.append(categoricalHingeZero(probe))
    default:
      break
    }
    return laws
  }

  /// L ≥ 0 on every valid input (all reductions the candidate has, non-negative sample weights),
  /// with no allowance: the terms are non-negative and rounding to nearest is monotone.
  static func nonNegativeOnValidInputs(_ loss: Loss, _ candidate: Candidate, name: String, reason: String)
    -> LossProperty
  {
    LossProperty(
      name: "\(name) ≥ 0",
      summary: "\(name) ≥ 0 exactly on every valid input and reduction where the loss is defined: \(reason), and a "
        + "sum or mean of non-negative rounded terms times non-negative weights is never negative",
      generator: LossInputs.valid(loss, for: candidate)
    ) { input, candidate, _ in
      let evaluation = try Evaluation(loss, candidate, input)
      // Where the loss is undefined (an all-zero probability row renormalised: 0/0), Keras gives
      // NaN; the agreement property checks that, the sign law skips it.
      let defined = evaluation.exact.map { !$0.isNaN }
      return Law.nonNegative(zip(evaluation.got, defined).filter(\.1).map(\.0), "\(name) ≥ 0")
    }
  }

  /// Labels in {0, 1} are read as {−1, 1}: L(y, p) = L(2y − 1, p) when all of y_true is 0 or 1.
  static func hingeLabelConversion(_ probe: Probe, name: String) -> LossProperty {
    let generator = pairs(
      rowShapes(axis: -1, length: 1...6, batch: probe.batch),
      { Gen.element(of: [Float(0), 1]).tensor(shape: $0) }, values(in: -10...10))
    return LossProperty(
      name: "\(name) reads labels in {0, 1} as {−1, 1}",
      summary: "|L(y, p) − L(2y − 1, p)| ≤ A₁ + A₂ when every label is 0 or 1 (Keras converts the whole batch); "
        + "the exact values are equal",
      generator: generator
    ) { pair, candidate, _ in
      let binary = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let signed = try probe.evaluate(candidate, pair.yTrue.map { 2 * $0 - 1 }, pair.yPred)
      return Law.related(binary, signed, "L(y, p) = L(2y − 1, p)")
    }
  }

  /// L = 0 exactly when every margin y·p ≥ 1: each term max(1 − y·p, 0) is then exactly 0
  /// (y = ±1, so y·p is exact and 1 − y·p ≤ 0 rounds to ≤ 0).
  static func hingeZeroBeyondMargin(_ probe: Probe, name: String) -> LossProperty {
    let generator = rowShapes(axis: -1, length: 1...6, batch: probe.batch).flatMap { shape in
      zip(Gen.element(of: [Float(-1), 1]).tensor(shape: shape), Gen.float(in: 0...10).tensor(shape: shape)).map {
        labels, margins in
        // p = y·(1 + m): 1 + m ≥ 1 after rounding, and y = ±1 makes y·p = 1 + m exactly.
        Pair(
          yTrue: tensor(labels),
          yPred: try! Tensor(shape: shape, scalars: zip(labels.scalars, margins.scalars).map { $0 * (1 + $1) }),
          extra: ())
      }
    }
    return LossProperty(
      name: "\(name) = 0 beyond the margin",
      summary: "L(y, p) = 0 exactly when y ∈ {−1, 1} and every y·p ≥ 1",
      generator: generator
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      for (i, value) in evaluation.got.enumerated() where value != 0 {
        return "\(name) = \(value) at sample \(i), where every margin y·p ≥ 1"
      }
      return nil
    }
  }

  /// Jensen between hinge and squared hinge: SquaredHinge ≥ Hinge², Hinge ≤ √SquaredHinge.
  static func hingeJensen(_ probe: Probe) -> LossProperty {
    let squared = probe.loss == .squaredHinge
    let generator = Gen.element(of: [[Float(-1), 1], [0, 1], [-1, 0, 1]]).flatMap { labels in
      pairs(
        rowShapes(axis: -1, length: 1...6, batch: probe.batch),
        { Gen.element(of: labels).tensor(shape: $0) }, values(in: -10...10))
    }
    return LossProperty(
      name: squared ? "squared hinge ≥ hinge² per sample" : "hinge ≤ √(squared hinge) per sample",
      summary: squared
        ? "SquaredHinge(y, p) ≥ Hinge(y, p)² − A (mean(m²) ≥ mean(m)²); Hinge from the reference"
        : "Hinge(y, p) ≤ √SquaredHinge(y, p) + A (mean(m) ≤ √mean(m²)); SquaredHinge from the reference",
      generator: generator
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      if squared {
        let hinge = try Probe.exact(.hinge, pair.yTrue, pair.yPred)
        return Law.atLeast(evaluation.got, hinge.map { $0 * $0 }, slack: evaluation.allowance, "SquaredHinge ≥ Hinge²")
      }
      let squaredHinge = try Probe.exact(.squaredHinge, pair.yTrue, pair.yPred)
      return Law.atMost(
        evaluation.got, squaredHinge.map { $0.squareRoot() }, slack: evaluation.allowance, "Hinge ≤ √SquaredHinge")
    }
  }

  /// Categorical hinge is 0 when the true class's score beats every other (and 0) by at least 1.
  ///
  /// With one-hot y, l = max(max(0, max_{j≠t} p_j) − p_t + 1, 0), so p_t ≥ max(0, others) + 1 gives
  /// exactly 0. A kernel that computes neg − pos + 1 in float32 may round it to a few ULPs above 0,
  /// so the value is checked against the agreement allowance: 0 ≤ l ≤ A.
  static func categoricalHingeZero(_ probe: Probe) -> LossProperty {
    let shapes = rowShapes(axis: -1, length: 1...6, batch: probe.batch)
    let generator = shapes.flatMap { shape in
      zip(
        Gen<TensorValue<Float>>.oneHot(shape: shape), Gen.float(in: -10...10).tensor(shape: shape), Gen.float(in: 0...5)
      )
      .map { y, p, margin -> Pair in
        var scores = p.scalars
        let classes = shape[shape.count - 1]
        for row in 0..<(scores.count / classes) {
          let range = (row * classes)..<((row + 1) * classes)
          guard let t = range.first(where: { y.scalars[$0] == 1 }) else { continue }
          let others = range.filter { $0 != t }.map { Double(scores[$0]) }
          let needed = max(0, others.max() ?? 0) + 1 + Double(margin)
          var score = Float(needed)
          while Double(score) < needed { score = score.nextUp }
          scores[t] = score
        }
        return Pair(yTrue: tensor(y), yPred: try! Tensor(shape: shape, scalars: scores), extra: ())
      }
    }
    return LossProperty(
      name: "categorical hinge = 0 beyond the margin",
      summary: "0 ≤ l ≤ A when y is one-hot and p_t ≥ max(0, max_{j≠t} p_j) + 1 (the exact value is 0)",
      generator: generator
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      return Law.nonNegative(evaluation.got, "categorical hinge ≥ 0")
        ?? Law.atMost(
          evaluation.got, evaluation.got.map { _ in 0 }, slack: evaluation.allowance, "categorical hinge = 0")
    }
  }
}
