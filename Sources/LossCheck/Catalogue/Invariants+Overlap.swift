import LossCore
import PropertyCheck

// Dice and Tversky.
extension Invariants {
  static func overlap(_ probe: Probe, _ candidate: Candidate) -> [LossProperty] {
    let name: String
    let axes: [Int]?
    var symmetric = true
    switch probe.loss {
    case .dice(let axis):
      (name, axes) = ("dice", axis)
    case .tversky(let alpha, let beta, let axis):
      (name, axes) = ("tversky", axis)
      symmetric = alpha == beta
    default:
      return []
    }
    var laws = [overlapRange(probe, name: name, axes: axes), overlapMinimisedAtTruth(probe, name: name, axes: axes)]
    if symmetric { laws.append(overlapSymmetric(probe, name: name, axes: axes)) }
    return laws
  }

  /// Shapes reduced over `axes` (1–4 entries each; all axes when nil) with 1–3 samples along the
  /// first kept axis and 1 along the others.
  static func overlapShapes(_ probe: Probe, axes: [Int]?) -> Gen<[Int]> {
    guard let axes else { return rowShapes(axis: -1, length: 1...6, batch: 1...3) }
    let rank = max(2, axes.map { $0 >= 0 ? $0 + 1 : -$0 }.max() ?? 1)
    let reduced = Set(axes.compactMap { Shape.normalizedAxis($0, rank: rank) })
    let batchAxis = (0..<rank).first { !reduced.contains($0) }
    return zip(Gen.int(in: probe.batch), Gen.int(in: 1...4).array(count: rank)).map { samples, extents in
      (0..<rank).map { reduced.contains($0) ? extents[$0] : $0 == batchAxis ? samples : 1 }
    }
  }

  /// Targets (0/1 or soft) and predictions in [0, 1].
  static func overlapPairs(_ probe: Probe, axes: [Int]?, binary: Bool = false) -> Gen<Pair> {
    let labels = binary ? Gen.element(of: [Float(0), 1]) : LossInputs.binaryTargets
    let targets: Tensors = { shape in labels.tensor(shape: shape) }
    return pairs(overlapShapes(probe, axes: axes), targets, values(in: 0...1))
  }

  /// 0 ≤ L ≤ 1 for y, p ∈ [0, 1].
  ///
  /// Dice: 2Σyp ≤ Σy + Σp because y + p − 2yp = y(1 − p) + p(1 − y) ≥ 0, and eps > 0 in the
  /// denominator keeps the ratio below 1. Tversky: TP, FP, FN ≥ 0. A float32 ratio can round to 1
  /// (the eps is lost next to large sums), hence the allowance on both sides.
  static func overlapRange(_ probe: Probe, name: String, axes: [Int]?) -> LossProperty {
    LossProperty(
      name: "0 ≤ \(name) ≤ 1",
      summary: "−A ≤ \(name)(y, p) ≤ 1 + A for targets and predictions in [0, 1] (exactly: 0 < l ≤ 1)",
      generator: overlapPairs(probe, axes: axes)
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let count = evaluation.got.count
      return Law.atLeast(evaluation.got, Array(repeating: 0, count: count), slack: evaluation.allowance, "\(name) ≥ 0")
        ?? Law.atMost(evaluation.got, Array(repeating: 1, count: count), slack: evaluation.allowance, "\(name) ≤ 1")
    }
  }

  /// For binary targets, L(y, p) ≥ L(y, y) for every p ∈ [0, 1].
  ///
  /// With y ∈ {0, 1}: TP ≤ Y = Σy and FN = Y − TP, so the Tversky ratio
  /// TP/(TP + α·FP + β·FN + eps) ≤ TP/((1 − β)·TP + β·Y + eps), which increases with TP up to
  /// Y/(Y + eps), its value at p = y. Dice likewise: 2TP/(Y + P + eps) ≤ 2TP/(Y + TP + eps) ≤
  /// 2Y/(2Y + eps).
  static func overlapMinimisedAtTruth(_ probe: Probe, name: String, axes: [Int]?) -> LossProperty {
    LossProperty(
      name: "\(name) is minimised at the truth for binary targets",
      summary: "\(name)(y, p) ≥ \(name)(y, y) − A₁ − A₂ for y ∈ {0, 1}, p ∈ [0, 1]",
      generator: overlapPairs(probe, axes: axes, binary: true)
    ) { pair, candidate, _ in
      let atP = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let atTruth = try probe.evaluate(candidate, pair.yTrue, pair.yTrue)
      return Law.atLeast(
        atP.got, atTruth.got.map(Double.init), slack: zip(atP.allowance, atTruth.allowance).map(+),
        "\(name)(y, p) ≥ \(name)(y, y)")
    }
  }

  /// Dice (and Tversky with α = β) is symmetric: swapping y and p swaps FP and FN.
  static func overlapSymmetric(_ probe: Probe, name: String, axes: [Int]?) -> LossProperty {
    LossProperty(
      name: "\(name) is symmetric",
      summary: "|\(name)(y, p) − \(name)(p, y)| ≤ A₁ + A₂ for y, p ∈ [0, 1]; the exact values are equal (α = β)",
      generator: overlapPairs(probe, axes: axes)
    ) { pair, candidate, _ in
      let forward = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let backward = try probe.evaluate(candidate, pair.yPred, pair.yTrue)
      return Law.related(backward, forward, "\(name)(p, y) = \(name)(y, p)")
    }
  }
}
