#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import PropertyCheck

// Kullback–Leibler divergence and Poisson.
extension Invariants {
  static func divergence(_ probe: Probe, _ candidate: Candidate) -> [LossProperty] {
    switch probe.loss {
    case .klDivergence: [klOfItself(probe), klLowerBound(probe)]
    case .poisson: [poissonMinimum(probe)]
    default: []
    }
  }

  /// Rows of probabilities (with exact zeros and entries below eps) or of arbitrary values in [0, 1].
  static func klPairs(_ probe: Probe) -> Gen<Pair> {
    let rows: Tensors = { shape in
      Gen.oneOf(Gen.probabilities(shape: shape), Gen.float(in: 0...1).tensor(shape: shape))
    }
    return pairs(rowShapes(axis: -1, length: 1...6, batch: probe.batch), rows, rows)
  }

  /// KL(p, p) = 0: each term is y_c·log(y_c / y_c) = 0 (both clipped alike).
  ///
  /// Checked within the agreement allowance at 0, 4u·Σy_c (every term of the scale is y_c·(1 + 0)),
  /// which any agreeing kernel meets; the Float32Loss kernel gives exactly 0.
  static func klOfItself(_ probe: Probe) -> LossProperty {
    LossProperty(
      name: "KL(p, p) = 0",
      summary: "|KL(p, p)| ≤ A = 4u·Σ clip(p_c, eps, 1): every term is p_c·log(p_c/p_c) = 0 after the same clip",
      generator: klPairs(probe)
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yTrue)
      return Law.near(
        evaluation.got, Array(repeating: 0, count: evaluation.got.count), slack: evaluation.allowance, "KL(p, p) = 0")
    }
  }

  /// KL ≥ Y·log(Y/P) ≥ Y − P, with Y = Σ clip(y, eps, 1) and P = Σ clip(p, eps, 1).
  ///
  /// The textbook KL ≥ 0 needs both arguments to sum to 1. Keras clips both to [eps, 1], so neither
  /// clipped row sums to 1, and KL can be negative: the probability row y = [1 − 5δ, δ, δ, δ, δ, δ]
  /// with δ = 9e-8 < eps (each δ is raised to eps, as are p's zeros) against p = [1, 0, 0, 0, 0, 0]
  /// gives KL = (1 − 5δ)·log(1 − 5δ) = −4.8e-7, twice the allowance 4u·Σ|terms| = 2.4e-7 (the
  /// Float32 kernel returns −4.7683704e-07, as it should). On rows that are not normalised the
  /// violation is larger: KL([0], [1]) = eps·log(eps) = −1.6e-6. What holds for any non-negative rows is the log-sum
  /// inequality Σ a·log(a/b) ≥ (Σa)·log(Σa/Σb); for probability rows its right side is about
  /// −(mass the clip adds to p) ≥ −(C − 1)·eps.
  static func klLowerBound(_ probe: Probe) -> LossProperty {
    LossProperty(
      name: "KL ≥ Y·log(Y/P) under clipping (not ≥ 0)",
      summary: "KL(y, p) ≥ Y·log(Y/P) − A with Y = Σ clip(y_c, eps, 1), P = Σ clip(p_c, eps, 1) (log-sum "
        + "inequality); the textbook KL ≥ 0 is false once the clipped rows no longer sum to 1",
      generator: klPairs(probe)
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let bounds = lanes(pair.yTrue.shape, axes: [-1]).map { lane -> Double in
        let y = lane.reduce(0.0) { $0 + min(max(Double(pair.yTrue.scalars[$1]), eps), 1) }
        let p = lane.reduce(0.0) { $0 + min(max(Double(pair.yPred.scalars[$1]), eps), 1) }
        return y * log(y / p)
      }
      return Law.atLeast(evaluation.got, bounds, slack: evaluation.allowance, "KL ≥ Y·log(Y/P)")
    }
  }

  /// Poisson is minimised at p = y − eps, not at p = y.
  ///
  /// Per element f(p) = p − y·log(p + eps) is convex on p > −eps with its minimum at p* = y − eps
  /// (at p = 0 on p ≥ 0 when y < eps), so Poisson(y, p) ≥ Poisson(y, y) − g(y) with
  /// g = mean(f(y) − f(max(y − eps, 0))) ≤ eps²/(2y), computed in Double; the textbook "minimised at
  /// p = y" is off by that g.
  static func poissonMinimum(_ probe: Probe) -> LossProperty {
    let counts = values(in: 0...20)
    return LossProperty(
      name: "Poisson is minimised near p = y",
      summary:
        "Poisson(y, p) ≥ Poisson(y, y) − g(y) − A₁ − A₂ for y, p ≥ 0, where g = mean(f(y) − f(max(y − eps, 0))), "
        + "f(p) = p − y·log(p + eps): the exact minimiser is p = y − eps",
      generator: pairs(rowShapes(axis: -1, length: 1...6, batch: probe.batch), counts, counts)
    ) { pair, candidate, _ in
      let atP = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let atY = try probe.evaluate(candidate, pair.yTrue, pair.yTrue)
      let gaps = pair.yTrue.scalars.map { yf -> Double in
        let y = Double(yf)
        func f(_ p: Double) -> Double { p - (y == 0 ? 0 : y * log(p + eps)) }
        return f(y) - f(max(y - eps, 0))
      }
      let g = laneMeans(pair.yTrue.shape, axis: -1, gaps)
      let lower = zip(atY.got, g).map { Double($0) - $1 }
      let slack = zip(atP.allowance, atY.allowance).map(+)
      return Law.atLeast(atP.got, lower, slack: slack, "Poisson(y, p) ≥ Poisson(y, y) − g")
    }
  }
}
