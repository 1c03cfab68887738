import LossCore
import LossReference
import PropertyCheck

// The reference gradient against central finite differences of the reference, in Double.
//
// The property checks the reference itself, so its outcome does not depend on the candidate: it is
// added only for candidates with `checksReferenceGradient` (the built-in kernels, i.e. the main
// job), where it runs once per configuration.
//
// f is `Reference.evaluate(…, as: .float64)` on the generated float32 inputs widened to Double
// (summed, for `.none`), g is `Reference.gradient(…, as: .float64)`: both in Double, so p ± h is
// not rounded to Float. For each element k of y_pred, with H = 1e-6·max(|p_k|, 1) (PyTorch
// gradcheck's step, relative for large inputs) and h = H/2:
//
//   c_H, c_h = (f(p + s) − f(p − s)) / 2s for s = H, h;   forward, backward = ±(f(p ± h) − f(p)) / h.
//
// Rounding. Each evaluation of f is within ε·F of the exact value, F the magnitude of the terms
// summed into f (`ConditionScale`'s Σ|terms| of every result element, plus |f|), ε = 2⁻⁵³, times a
// small constant for the log/exp/pow inside each term (32 is generous for the reference's
// compensated sums and libm's < 1 ULP functions). A quotient with step h therefore carries at most
// a = 32·ε·F/h (one-sided: 2a). An element is measurable only where a ≤ 1e-5·max(|g|, S),
// S = max(|c_H|, |c_h|): its own change of f (or the change g claims) must stand well above the
// noise of the others' terms; elements with a smaller signal are skipped.
//
// Kinks, clip bounds and curvature. Where a kink or clip bound (|e| = δ, a margin at 0, p at eps,
// a tie in a max, o = p/Σp at eps, ‖p‖ at eps, …) lies within h of p_k, g is one side's
// derivative (or JAX's ½ at the kink itself) and the central difference mixes both sides: with
// the kink at distance d < h and a jump J of the derivative, forward − backward = J·(h − d)/h and
// c_h − g = (forward − backward)/2 exactly. Smooth curvature shows the same way:
// forward − backward = h·f'' + O(h³). A pair of kinks on both sides (cosine's norm floor around
// p = 0) hides from forward − backward but not from the two steps: c_H − c_h = J·d/H; so does a
// derivative that varies on a length L ≪ h (−log o for o ~ 1e-7): the secants over h and 2h then
// differ by about as much as they are. So an element is compared only where
// |forward − backward| ≤ τ and |c_H − c_h| ≤ τ, τ = 1e-4·S + 4a — relative to the differences
// themselves, not to g, so a wrong g cannot open the screen — and skipped otherwise: elements at a
// kink are the conformance vectors' business. On a compared element the truncation error
// h²·|f'''|/6 is about (h/L)²/6·|f'| for a derivative varying on a length L, and the screen keeps
// only L ≳ 1e4·h (h·|f''| ≈ h·|f'|/L ≤ 1e-4·|f'|), so it is below 1e-8·|f'|.
//
// Bound. |c_h − g_k| ≤ 1e-4·S + |forward − backward|/2 + 2a: relative 1e-4 (ten times tighter
// than gradcheck's rtol 1e-3), the screened kink share, and the rounding. A wrong factor, sign,
// missing chain-rule term or mis-summed broadcast is off by far more (and a g the reference makes
// large where f is flat is caught: S stays small and |c − g| ≈ |g|). Elements where g, or f at
// any of the five points, is not finite (or the reference rejects p ± s) are skipped.
extension GradientProperties {
  /// The relative tolerance of the finite-difference comparison.
  static let finiteDifferenceTolerance = 1e-4
  /// The relative step.
  static let finiteDifferenceStep = 1e-6

  static func finiteDifferences(_ loss: Loss, for candidate: Candidate) -> LossProperty {
    LossProperty(
      name: "reference gradient matches central finite differences",
      summary: "|(f(p + h) − f(p − h))/2h − g_k| ≤ 1e-4·S + |fwd − bwd|/2 + 64ε·F/h in Double, h = 5e-7·max(|p_k|, 1), "
        + "S = max(|g_k|, |central differences|), f = Reference.evaluate, g = Reference.gradient; elements with a kink, "
        + "clip bound or sharp curvature within 2h (one-sided or two-step differences apart by > 1e-4·S + 128ε·F/h) "
        + "or below the rounding noise (32ε·F/h > 1e-5·S) are skipped",
      generator: LossInputs.valid(loss, for: candidate)
    ) { input, _, _ in
      try checkFiniteDifferences(loss, input)
    }
  }

  /// Checks the reference gradient against central differences of the reference on one input: nil
  /// when every compared element agrees, else the first that does not.
  ///
  /// - Throws: the reference's `LossError` when the input is invalid.
  public static func checkFiniteDifferences(_ loss: Loss, _ input: LossInput) throws -> String? {
    let yTrue = input.yTrue.map(Double.init)
    let yPred = input.yPred.map(Double.init)
    let weight = input.sampleWeight?.map(Double.init)
    let gradient = try Reference.gradient(
      loss, yTrue: yTrue, yPred: yPred, sampleWeight: weight, reduction: input.reduction, as: .float64)
    func value(_ p: Tensor<Double>) -> Double? {
      guard
        let result = try? Reference.evaluate(
          loss, yTrue: yTrue, yPred: p, sampleWeight: weight, reduction: input.reduction, as: .float64)
      else { return nil }
      let total = compensatedSum(result.scalars)
      return total.isFinite ? total : nil
    }
    guard let center = value(yPred) else { return nil }
    let terms = (try? ConditionScale.scales(loss, input))?.reduce(0) { $0 + abs($1) } ?? 0
    let magnitude = (terms.isFinite ? terms : 0) + abs(center)
    let epsilon = 0x1p-53
    var moved = yPred
    func value(at k: Int, _ point: Double) -> Double? {
      moved.scalars[k] = point
      defer { moved.scalars[k] = yPred.scalars[k] }
      return value(moved)
    }
    for k in yPred.scalars.indices {
      let g = gradient.scalars[k]
      guard g.isFinite else { continue }
      let p = yPred.scalars[k]
      let wide = finiteDifferenceStep * max(abs(p), 1)
      let h = wide / 2
      guard let upWide = value(at: k, p + wide), let downWide = value(at: k, p - wide),
        let up = value(at: k, p + h), let down = value(at: k, p - h)
      else { continue }
      // The steps actually taken after rounding p ± s.
      let (stepUp, stepDown) = ((p + h) - p, p - (p - h))
      let forward = (up - center) / stepUp
      let backward = (center - down) / stepDown
      let central = (up - down) / (stepUp + stepDown)
      let centralWide = (upWide - downWide) / ((p + wide) - (p - wide))
      let rounding = 32 * epsilon * magnitude / h
      let signal = max(abs(central), abs(centralWide))
      guard rounding <= 1e-5 * max(signal, abs(g)) else { continue }
      let screen = finiteDifferenceTolerance * signal + 4 * rounding
      guard abs(forward - backward) <= screen, abs(centralWide - central) <= screen else { continue }
      let allowed = finiteDifferenceTolerance * signal + abs(forward - backward) / 2 + 2 * rounding
      if !(abs(central - g) <= allowed) {
        return "element \(k) (p = \(Float(p))): the reference gradient is \(g), the central difference "
          + "\(central) with h = \(h) (forward \(forward), backward \(backward), with 2h \(centralWide)); "
          + "|Δ| = \(abs(central - g)), allowed \(allowed)"
      }
    }
    return nil
  }

  /// Σx with Neumaier's compensation.
  static func compensatedSum(_ x: [Double]) -> Double {
    var sum = 0.0
    var compensation = 0.0
    for value in x {
      let t = sum + value
      compensation += abs(sum) >= abs(value) ? (sum - t) + value : (value - t) + sum
      sum = t
    }
    return sum + compensation
  }
}
