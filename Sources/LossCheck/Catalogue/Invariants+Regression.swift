#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import PropertyCheck

// Regression losses (MSE, MAE, MAPE, MSLE, Huber, log-cosh) and cosine similarity.
extension Invariants {
  static func regression(_ probe: Probe, _ candidate: Candidate) -> [LossProperty] {
    let loss = probe.loss
    var laws = [LossProperty]()
    switch loss {
    case .meanSquaredError:
      laws.append(zeroExactlyAtEquality(probe, name: "MSE"))
      laws += elementwiseSymmetries(probe, name: "MSE")
      laws.append(homogeneous(probe, name: "MSE", degree: 2))
      laws.append(comparedWithMAE(probe))
    case .meanAbsoluteError:
      laws.append(zeroExactlyAtEquality(probe, name: "MAE"))
      laws += elementwiseSymmetries(probe, name: "MAE")
      laws.append(homogeneous(probe, name: "MAE", degree: 1))
      laws.append(comparedWithMAE(probe))
    case .meanAbsolutePercentageError:
      laws.append(zeroExactlyAtEquality(probe, name: "MAPE"))
      laws.append(permutationInvariant(probe, name: "MAPE"))
      laws.append(homogeneous(probe, name: "MAPE", degree: 0))
    case .meanSquaredLogarithmicError:
      laws.append(zeroExactlyAtEquality(probe, name: "MSLE"))
      laws += elementwiseSymmetries(probe, name: "MSLE")
      laws.append(msleClamp(probe))
    case .huber:
      laws.append(zeroExactlyAtEquality(probe, name: "Huber"))
      laws += elementwiseSymmetries(probe, name: "Huber")
      laws.append(comparedWithMAE(probe))
    case .logCosh:
      laws += elementwiseSymmetries(probe, name: "LogCosh")
      laws.append(comparedWithMAE(probe))
    case .cosineSimilarity(let axis):
      laws += cosine(probe, axis: axis)
    default:
      break
    }
    return laws
  }

  /// Values of the regression losses: ±100 with the generator's edges (subnormals, ±0, 1e-7, ...).
  static let regressionValues = values(in: -100...100)

  /// Rows of 1–6 values along the last axis.
  static func regressionPairs(_ probe: Probe, _ y: @escaping Tensors = regressionValues) -> Gen<Pair> {
    let values: Tensors
    switch probe.loss {
    case .meanSquaredLogarithmicError: values = Invariants.values(in: -10...1000)
    default: values = y
    }
    return pairs(rowShapes(axis: -1, length: 1...6, batch: probe.batch), values, values)
  }

  /// L ≥ 0; L = 0 exactly when y = p; L > 0 when y ≠ p unless the exact value underflows.
  ///
  /// Every term is ≥ 0 (a square, |·|, Huber's branches), so the value is ≥ 0 with no allowance.
  /// When y = p every term is exactly 0 in any arithmetic (x − x = 0), so the value is exactly 0.
  /// The converse, "= 0 only when y = p", is false in float32: a mean of squares of differences of
  /// subnormal size underflows (MSE of y − p = 1e-30 is exactly 1e-60, which rounds to 0). What
  /// holds is the agreement bound: an exact value E ≥ 2⁻¹⁴⁸ (two subnormal ULPs) must come out > 0,
  /// since got ≥ E − ulp(E) − 4u·E > 0 there. MSLE compares log(max(·, eps) + 1), which is equal
  /// for distinct values below eps, so for it only the first two statements are checked.
  static func zeroExactlyAtEquality(_ probe: Probe, name: String) -> LossProperty {
    let loss = probe.loss
    let rows = regressionPairs(probe)
    // About a third of the cases compare a row with itself.
    let generator = zip(rows, Gen.int(in: 0...2)).map { pair, choice -> Pair in
      var pair = pair
      if choice == 1 { pair.yPred = pair.yTrue }
      return pair
    }
    let converse = loss != .meanSquaredLogarithmicError
    return LossProperty(
      name: "\(name) ≥ 0, and = 0 exactly when y = p",
      summary: "\(name)(y, p) ≥ 0 exactly; \(name)(y, y) = 0 exactly"
        + (converse ? "; \(name)(y, p) > 0 when y ≠ p and the exact value is ≥ 2⁻¹⁴⁸ (smaller ones underflow)" : ""),
      generator: generator
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      if let failure = Law.nonNegative(evaluation.got, "\(name) ≥ 0") { return failure }
      let lanes = Invariants.lanes(pair.yTrue.shape, axes: [-1])
      for (i, lane) in lanes.enumerated() where i < evaluation.got.count {
        let equal = lane.allSatisfy { pair.yTrue.scalars[$0] == pair.yPred.scalars[$0] }
        if equal, evaluation.got[i] != 0 {
          return "\(name)(y, y) = \(evaluation.got[i]) at sample \(i), not 0"
        }
        if !equal, converse, evaluation.exact[i] >= 0x1p-148, !(evaluation.got[i] > 0) {
          return "\(name) = \(evaluation.got[i]) at sample \(i) where y ≠ p; the exact value is \(evaluation.exact[i])"
        }
      }
      return nil
    }
  }

  /// Symmetry in (y, p) and invariance under permuting the reduced axis.
  static func elementwiseSymmetries(_ probe: Probe, name: String) -> [LossProperty] {
    [symmetric(probe, name: name), permutationInvariant(probe, name: name)]
  }

  /// L(y, p) = L(p, y): each term depends on |p − y| (MSLE: on the clamped logs symmetrically).
  static func symmetric(_ probe: Probe, name: String) -> LossProperty {
    LossProperty(
      name: "\(name) is symmetric",
      summary:
        "|\(name)(y, p) − \(name)(p, y)| ≤ A₁ + A₂ (each value's agreement allowance); the exact values are equal",
      generator: regressionPairs(probe)
    ) { pair, candidate, _ in
      let forward = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let backward = try probe.evaluate(candidate, pair.yPred, pair.yTrue)
      return Law.related(forward, backward, "\(name)(y, p) = \(name)(p, y)")
    }
  }

  /// Permuting the reduced (last) axis of y and p alike leaves the mean unchanged.
  static func permutationInvariant(_ probe: Probe, name: String) -> LossProperty {
    let generator = regressionPairs(probe).flatMap { pair in
      withExtra(.constant(pair), permutations(of: pair.yTrue.shape.last ?? 1), label: "permutation")
    }
    return LossProperty(
      name: "\(name) is invariant under permuting the reduced axis",
      summary: "|\(name)(πy, πp) − \(name)(y, p)| ≤ A₁ + A₂ for a permutation π of the last axis; "
        + "only the summation order changes",
      generator: generator
    ) { value, candidate, _ in
      let original = try probe.evaluate(candidate, value.yTrue, value.yPred)
      let permuted = try probe.evaluate(
        candidate, permuted(value.yTrue, axis: -1, by: value.extra), permuted(value.yPred, axis: -1, by: value.extra))
      return Law.related(permuted, original, "\(name)(πy, πp) = \(name)(y, p)")
    }
  }

  /// L(k·y, k·p) = k^degree·L(y, p) for powers of two k ≥ 1 (the scaled inputs are exact).
  ///
  /// MAPE (degree 0) divides by max(|y|, eps), which scales with y only when |y| ≥ eps: a zero
  /// target is divided by eps before and after, so the law is false there (MAPE(0, 1) = 1e9 but
  /// MAPE(0, 2) = 2e9). Its targets are drawn with |y| ≥ 1e-3.
  static func homogeneous(_ probe: Probe, name: String, degree: Int) -> LossProperty {
    let signed = zip(Gen.float(in: 0.001...100), Gen.bool).map { magnitude, negative in
      negative ? -magnitude : magnitude
    }
    var targets = regressionValues
    if degree == 0 { targets = { shape in signed.tensor(shape: shape) } }
    let rows = pairs(rowShapes(axis: -1, length: 1...6, batch: probe.batch), targets, regressionValues)
    let power = degree == 0 ? "" : degree == 1 ? "k·" : "k²·"
    return LossProperty(
      name: "\(name)(k·y, k·p) = \(power)\(name)(y, p)",
      summary: "|\(name)(k·y, k·p) − \(power)\(name)(y, p)| ≤ A_k + k^\(degree)·A₁ for k ∈ {2, 4, 16, 256}"
        + (degree == 0 ? ", targets with |y| ≥ eps (MAPE's max(|y|, eps) breaks the law below eps)" : ""),
      generator: withExtra(rows, powersOfTwo, label: "k")
    ) { value, candidate, _ in
      let k = value.extra
      let original = try probe.evaluate(candidate, value.yTrue, value.yPred)
      let scaled = try probe.evaluate(candidate, value.yTrue.map { k * $0 }, value.yPred.map { k * $0 })
      return Law.related(
        scaled, original, scale: pow(Double(k), Double(degree)), "\(name)(k·y, k·p) = \(power)\(name)(y, p)")
    }
  }

  /// Laws against the reference's MAE (and MSE): Jensen for MSE and MAE, Huber's two envelopes,
  /// log-cosh's band.
  static func comparedWithMAE(_ probe: Probe) -> LossProperty {
    let loss = probe.loss
    let name: String
    let summary: String
    switch loss {
    case .meanSquaredError:
      name = "MSE ≥ MAE² per sample"
      summary = "MSE(y, p) ≥ MAE(y, p)² − A (Jensen: mean(d²) ≥ mean(|d|)²); MAE from the reference"
    case .meanAbsoluteError:
      name = "MAE ≤ √MSE per sample"
      summary = "MAE(y, p) ≤ √MSE(y, p) + A (Jensen); MSE from the reference"
    case .huber(let delta):
      name = "δ·MAE − δ²/2 ≤ Huber ≤ min(MSE/2, δ·MAE)"
      summary =
        "with δ = \(delta): δ·MAE − δ²/2 − A ≤ Huber ≤ min(MSE/2, δ·MAE) + A per sample, "
        + "each term obeying ½e² ≥ huber(e) ≥ δ|e| − ½δ² and huber(e) ≤ δ|e|; MAE and MSE from the reference"
    default:
      name = "MAE − fl(ln 2) ≤ LogCosh ≤ MAE − (fl(ln 2) − ln 2)"
      summary =
        "MAE − fl(ln 2) − A ≤ LogCosh ≤ MAE − (fl(ln 2) − ln 2) + A per sample: log cosh x ∈ "
        + "[|x| − ln 2, |x|], and Keras subtracts the float32 ln 2 (0.69314718246…, 1.9e-9 above ln 2), so "
        + "LogCosh(y, y) = −1.9e-9, not 0; MAE from the reference"
    }
    return LossProperty(name: name, summary: summary, generator: regressionPairs(probe)) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let mae = try Probe.exact(.meanAbsoluteError, pair.yTrue, pair.yPred)
      switch loss {
      case .meanSquaredError:
        return Law.atLeast(evaluation.got, mae.map { $0 * $0 }, slack: evaluation.allowance, "MSE ≥ MAE²")
      case .meanAbsoluteError:
        let mse = try Probe.exact(.meanSquaredError, pair.yTrue, pair.yPred)
        return Law.atMost(evaluation.got, mse.map { $0.squareRoot() }, slack: evaluation.allowance, "MAE ≤ √MSE")
      case .huber(let delta):
        let d = f32(delta)
        let mse = try Probe.exact(.meanSquaredError, pair.yTrue, pair.yPred)
        return Law.atMost(evaluation.got, mse.map { $0 / 2 }, slack: evaluation.allowance, "Huber ≤ MSE/2")
          ?? Law.atMost(evaluation.got, mae.map { d * $0 }, slack: evaluation.allowance, "Huber ≤ δ·MAE")
          ?? Law.atLeast(
            evaluation.got, mae.map { d * $0 - d * d / 2 }, slack: evaluation.allowance, "Huber ≥ δ·MAE − δ²/2")
      default:
        let ln2 = 0.6931471805599453
        let ln2f = f32(ln2)
        return Law.atLeast(
          evaluation.got, mae.map { $0 - ln2f }, slack: evaluation.allowance, "LogCosh ≥ MAE − fl(ln 2)")
          ?? Law.atMost(
            evaluation.got, mae.map { $0 - (ln2f - ln2) }, slack: evaluation.allowance,
            "LogCosh ≤ MAE − (fl(ln 2) − ln 2)")
      }
    }
  }

  /// MSLE reads its arguments through max(·, eps): MSLE(y, p) = MSLE(max(y, eps), max(p, eps)).
  static func msleClamp(_ probe: Probe) -> LossProperty {
    let epsilon = Float(1e-7)
    return LossProperty(
      name: "MSLE reads values below eps as eps",
      summary:
        "|MSLE(y, p) − MSLE(max(y, eps), max(p, eps))| ≤ A₁ + A₂ (eps = Float(1e-7)); the exact values are equal",
      generator: regressionPairs(probe)
    ) { pair, candidate, _ in
      let original = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let clamped = try probe.evaluate(
        candidate, pair.yTrue.map { max($0, epsilon) }, pair.yPred.map { max($0, epsilon) })
      return Law.related(clamped, original, "MSLE(max(y, eps), max(p, eps)) = MSLE(y, p)")
    }
  }

  // MARK: Cosine similarity

  /// Range, self-similarity, symmetry, antisymmetry and scale invariance of cosine similarity
  /// along `axis`, with Keras's norm floor max(‖x‖, eps).
  static func cosine(_ probe: Probe, axis: Int) -> [LossProperty] {
    let shapes = rowShapes(axis: axis, length: 1...6, batch: probe.batch)
    let vectors = values(in: -10...10)
    let rows = pairs(shapes, vectors, vectors)
    /// ‖x‖ of each lane, in Double.
    @Sendable func norms(_ x: Tensor<Float>) -> [Double] {
      lanes(x.shape, axes: [axis]).map { lane in
        lane.reduce(0) { $0 + Double(x.scalars[$1]) * Double(x.scalars[$1]) }.squareRoot()
      }
    }
    let range = LossProperty(
      name: "−1 ≤ cosine similarity ≤ 1",
      summary: "−1 − A ≤ l ≤ 1 + A: |Σ ŷ·p̂| ≤ ‖ŷ‖·‖p̂‖ ≤ 1 (Cauchy–Schwarz; the norm floor only shrinks ŷ, p̂)",
      generator: rows
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let count = evaluation.got.count
      return Law.atLeast(evaluation.got, Array(repeating: -1, count: count), slack: evaluation.allowance, "l ≥ −1")
        ?? Law.atMost(evaluation.got, Array(repeating: 1, count: count), slack: evaluation.allowance, "l ≤ 1")
    }
    let itself = LossProperty(
      name: "cosine similarity of a vector with itself is −1 above the norm floor",
      summary: "l(y, y) = −(‖y‖ / max(‖y‖, eps))² within A: −1 when ‖y‖ ≥ eps, and −‖y‖²/eps² below the floor",
      generator: rows
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yTrue)
      let expected = norms(pair.yTrue).map { norm -> Double in
        let ratio = norm / max(norm, eps)
        return -ratio * ratio
      }
      return Law.near(evaluation.got, expected, slack: evaluation.allowance, "l(y, y) = −(‖y‖/max(‖y‖, eps))²")
    }
    let symmetric = LossProperty(
      name: "cosine similarity is symmetric and odd",
      summary:
        "|l(y, p) − l(p, y)| ≤ A₁ + A₂ and |l(y, −p) + l(y, p)| ≤ A₁ + A₂; the exact values are equal (opposite)",
      generator: rows
    ) { pair, candidate, _ in
      let forward = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let backward = try probe.evaluate(candidate, pair.yPred, pair.yTrue)
      let negated = try probe.evaluate(candidate, pair.yTrue, pair.yPred.map { -$0 })
      return Law.related(backward, forward, "l(p, y) = l(y, p)")
        ?? Law.related(negated, forward, sign: -1, "l(y, −p) = −l(y, p)")
    }
    let scales = zip(powersOfTwo, powersOfTwo).map { [$0, $1] }
    let scaled = LossProperty(
      name: "cosine similarity is scale invariant above the norm floor",
      summary: "|l(k₁·y, k₂·p) − l(y, p)| ≤ A₁ + A₂ for powers of two k ≥ 1, on samples where ‖y‖ and ‖p‖ "
        + "are each 0 or ≥ eps; below the floor max(‖x‖, eps) the law is false (l([1e-8, 0], [1, 0]) = −0.1, "
        + "but −1 after scaling y by 2⁸)",
      generator: withExtra(rows, scales, label: "(k₁, k₂)")
    ) { value, candidate, _ in
      let (k1, k2) = (value.extra[0], value.extra[1])
      let original = try probe.evaluate(candidate, value.yTrue, value.yPred)
      let scaled = try probe.evaluate(candidate, value.yTrue.map { k1 * $0 }, value.yPred.map { k2 * $0 })
      let applies = zip(norms(value.yTrue), norms(value.yPred)).map { y, p in
        (y == 0 || y >= eps) && (p == 0 || p >= eps)
      }
      return Law.related(
        scaled, original, "l(k₁·y, k₂·p) = l(y, p)",
        applies: probe.reduction == .none ? applies : [applies.allSatisfy { $0 }])
    }
    return [range, itself, symmetric, scaled]
  }
}
