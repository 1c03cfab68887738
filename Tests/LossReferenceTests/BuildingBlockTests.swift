// The accuracy of ReferenceMath against Float80 (64-bit significand, u₈₀ = 2⁻⁶⁴): a Float80 evaluation
// of the same function is 2¹¹× more precise than Double, so after rounding it is the exact answer for
// the purpose of counting Double ULPs (its own error is < 0.001 ULP of Double).
//
// Bounds asserted (u = 2⁻⁵³):
// * softplus, logSigmoid: ≤ 3 ULP. log1p(e^−|x|): glibc's exp and log1p are each < 1 ULP, and an
//   error δ in e^−|x| reaches log1p scaled by e^−|x|/((1 + e^−|x|)·log1p(e^−|x|)) ≤ 1, so the term is
//   within 2 ULP; adding max(x, 0) (which dominates the term when non-zero) adds ½ ULP.
// * sigmoid: ≤ 3 ULP: exp (1 ULP, damped by e/(1 + e) ≤ 1 in the sum), 1 + e (½ ULP), the
//   division (½ ULP), and for x < 0 the numerator's own 1 ULP.
// * logSumExp, logAddExp: the result m + log S can cancel (e.g. lse(−½, −½) ≈ 0.19), so no ULP bound
//   holds in general. Condition-aware: |err| ≤ 4u·(|m| + |log S|) + (n + 2)·u. The first term covers
//   the rounding of log and of the final addition (generously); the second the relative error of S:
//   each eˣⁱ⁻ᵐ has ≤ u(1 + dᵢ) relative error with dᵢ = m − xᵢ (the subtraction's rounding is
//   amplified by dᵢ), i.e. ≤ u·e^−dᵢ(1 + dᵢ) ≤ u absolute per term against S ≥ 1, plus 2u for the
//   compensated sum.
// * sum (Neumaier): the documented 2u·Σ|xᵢ|, and the sharper u·|s| + 4n·u²·Σ|xᵢ| (Higham, Accuracy
//   and Stability of Numerical Algorithms, §4.3: Neumaier's bound is u|s| + O(nu²)Σ|xᵢ|).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

@testable import LossReference

#if arch(x86_64) || arch(i386)

private let u = 0x1p-53

/// The distance from `actual` to `exact` in units of the last place of `exact` rounded to Double.
private func ulps(_ actual: Double, _ exact: Float80) -> Double {
  if actual.isNaN || exact.isNaN { return actual.isNaN && exact.isNaN ? 0 : .infinity }
  let rounded = Double(exact)
  if actual == rounded { return 0 }
  let unit = max(abs(rounded).ulp, Double.leastNonzeroMagnitude)
  return Double(abs(Float80(actual) - exact) / Float80(unit))
}

private func softplus80(_ x: Double) -> Float80 {
  let x = Float80(x)
  return max(x, 0) + log1pl(expl(-abs(x)))
}

private func sigmoid80(_ x: Double) -> Float80 {
  1 / (1 + expl(-Float80(x)))
}

/// (m, log S) of log-sum-exp in Float80.
private func logSumExp80(_ values: [Double]) -> (m: Float80, logS: Float80) {
  let m = Float80(values.max() ?? -.infinity)
  let s = values.reduce(Float80(0)) { $0 + expl(Float80($1) - m) }
  return (m, logl(s))
}

/// Neumaier's compensated sum in Float80: exact to ~u₈₀·|s| + 2n·u₈₀²·Σ|x|.
private func sum80(_ values: [Double]) -> Float80 {
  var total: Float80 = 0
  var compensation: Float80 = 0
  for value in values {
    let x = Float80(value)
    let t = total + x
    compensation += abs(total) >= abs(x) ? (total - t) + x : (x - t) + total
    total = t
  }
  return total + compensation
}

/// Inputs across the whole range the losses use: uniform in ±800, log-uniform magnitudes from 1e-300
/// to 800 of both signs, and the edges of exp's range and of log1p's tail.
private func wideInputs(seed: UInt64) -> [Double] {
  var rng = SplitMix64(seed: seed)
  var inputs: [Double] = [
    0, -0.0, 1, -1, 0.5, -0.5, 1e-300, -1e-300, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude,
    Double.leastNormalMagnitude, 36.7, -36.7, 37.5, -37.5, 709.7, -709.7, 744, -744, 745.2, -745.2, 800, -800,
  ]
  for _ in 0..<3000 { inputs.append(rng.uniform(-800, 800)) }
  for _ in 0..<3000 {
    let magnitude = exp(rng.uniform(log(1e-300), log(800)))
    inputs.append(rng.unit() < 0.5 ? magnitude : -magnitude)
  }
  for _ in 0..<2000 { inputs.append(rng.uniform(-40, 40)) }
  return inputs
}

@Suite("ReferenceMath against Float80")
struct BuildingBlockTests {
  // MARK: Compensated summation

  /// [1e16, 1, −1e16]: a plain loop loses the 1 (1e16 + 1 rounds to 1e16); Neumaier keeps it.
  /// [1, 1e100, 1, −1e100] is Neumaier's own example (Kahan's algorithm gives 0 there); exact 2.
  /// Ten copies of 0.1: the exact sum of those Doubles is 1.0000000000000000555, which rounds to 1.0.
  @Test func sumRecoversWhatAPlainLoopLoses() {
    #expect(ReferenceMath.sum([1e16, 1, -1e16]) == 1)
    #expect(ReferenceMath.sum([1, 1e100, 1, -1e100]) == 2)
    let tenths = Array(repeating: 0.1, count: 10)
    #expect(ReferenceMath.sum(tenths) == Double(sum80(tenths)))
    #expect(Double(sum80(tenths)) == 1)
  }

  /// 2000 random values ±m·2ᵏ (k ∈ [−30, 30]) with their negations, plus residuals j·2⁻²⁰, shuffled:
  /// the exact sum is the residual sum, known exactly. Also checked against a Float80 Neumaier sum.
  @Test(arguments: [UInt64(1), 2, 3, 4])
  func sumOfCancellingTermsMeetsTheNeumaierBound(seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    var values = [Double]()
    for _ in 0..<2000 {
      let x = rng.uniform(1, 2) * pow(2, Double(rng.integer(in: -30...30)))
      values += [x, -x]
    }
    var exact = 0.0
    for j in 1...17 {
      let r = Double(j * (j % 2 == 0 ? 1 : -3)) * 0x1p-20
      values.append(r)
      exact += r  // dyadic with few bits: exact
    }
    for i in stride(from: values.count - 1, to: 0, by: -1) {
      values.swapAt(i, rng.integer(in: 0...i))
    }
    let absoluteSum = values.reduce(0) { $0 + abs($1) }
    let n = Double(values.count)
    let got = ReferenceMath.sum(values)
    let error = abs(got - exact)
    #expect(error <= 2 * u * absoluteSum, "error \(error) vs 2uΣ|x| = \(2 * u * absoluteSum)")
    #expect(error <= u * abs(exact) + 4 * n * u * u * absoluteSum, "error \(error), exact \(exact)")
    #expect(Double(sum80(values)) == exact)
    // The data must defeat a plain loop, or this test would prove nothing.
    let naive = values.reduce(0, +)
    #expect(abs(naive - exact) > error)
  }

  /// 5000 terms of log-uniform magnitude (1e-10 … 1e10), random signs: against the Float80 sum.
  @Test func sumOfRandomTermsAgainstFloat80() {
    var rng = SplitMix64(seed: 0x5A_0001)
    let values = (0..<5000).map { _ -> Double in
      let x = exp(rng.uniform(log(1e-10), log(1e10)))
      return rng.unit() < 0.5 ? x : -x
    }
    let exact = sum80(values)
    let absoluteSum = values.reduce(0) { $0 + abs($1) }
    let n = Double(values.count)
    let error = Double(abs(Float80(ReferenceMath.sum(values)) - exact))
    #expect(error <= u * Double(abs(exact)) + 4 * n * u * u * absoluteSum + Double.leastNonzeroMagnitude)
  }

  @Test func sumOfNonFiniteTerms() {
    #expect(ReferenceMath.sum([Double]()) == 0)
    #expect(ReferenceMath.sum([1, .nan, 2]).isNaN)
    #expect(ReferenceMath.sum([.infinity, 1, 1e308]) == .infinity)
    #expect(ReferenceMath.sum([-.infinity, 1]) == -.infinity)
    #expect(ReferenceMath.sum([.infinity, -.infinity]).isNaN)
  }

  // MARK: softplus, log σ, σ

  @Test func softplusIsWithinThreeULPs() {
    var worst = 0.0
    for x in wideInputs(seed: 0x50F7) {
      let error = ulps(ReferenceMath.softplus(x), softplus80(x))
      worst = max(worst, error)
      #expect(error <= 3, "softplus(\(x)) = \(ReferenceMath.softplus(x)), exact \(Double(softplus80(x))): \(error) ULP")
    }
    #expect(worst <= 3)
  }

  @Test func logSigmoidIsWithinThreeULPs() {
    for x in wideInputs(seed: 0x1065) {
      let exact = -softplus80(-x)
      let error = ulps(ReferenceMath.logSigmoid(x), exact)
      #expect(error <= 3, "logSigmoid(\(x)) = \(ReferenceMath.logSigmoid(x)), exact \(Double(exact)): \(error) ULP")
    }
  }

  @Test func sigmoidIsWithinThreeULPs() {
    for x in wideInputs(seed: 0x5167) {
      let error = ulps(ReferenceMath.sigmoid(x), sigmoid80(x))
      #expect(error <= 3, "sigmoid(\(x)) = \(ReferenceMath.sigmoid(x)), exact \(Double(sigmoid80(x))): \(error) ULP")
    }
  }

  /// softplus(x) − softplus(−x) = x and σ(x) + σ(−x) = 1 at a few exact points; tails keep their
  /// information: softplus(−40) = log1p(e⁻⁴⁰) ≈ e⁻⁴⁰ ≈ 4.25e-18, not 0.
  @Test func softplusTailsAndSymmetry() {
    #expect(ReferenceMath.softplus(0) == log(2.0))
    #expect(ReferenceMath.sigmoid(0) == 0.5)
    expectClose(ReferenceMath.softplus(-40), exp(-40.0), relative: 1e-15)
    expectClose(ReferenceMath.logSigmoid(40), -exp(-40.0), relative: 1e-15)
    expectClose(ReferenceMath.sigmoid(-700), exp(-700.0), relative: 1e-14)
    #expect(ReferenceMath.softplus(800) == 800)
    for x in [0.25, 3.0, 17.5] {
      expectClose(ReferenceMath.softplus(x) - ReferenceMath.softplus(-x), x, relative: 1e-15)
    }
  }

  @Test func nonFiniteInputs() {
    #expect(ReferenceMath.softplus(.nan).isNaN)
    #expect(ReferenceMath.softplus(.infinity) == .infinity)
    #expect(ReferenceMath.softplus(-.infinity) == 0)
    #expect(ReferenceMath.logSigmoid(-.infinity) == -.infinity)
    #expect(ReferenceMath.logSigmoid(.infinity) == 0)
    #expect(ReferenceMath.logSigmoid(.nan).isNaN)
    #expect(ReferenceMath.sigmoid(.infinity) == 1)
    #expect(ReferenceMath.sigmoid(-.infinity) == 0)
    #expect(ReferenceMath.sigmoid(.nan).isNaN)
    #expect(ReferenceMath.maximum(.nan, 1).isNaN)
    #expect(ReferenceMath.maximum(1, .nan).isNaN)
    #expect(ReferenceMath.minimum(.nan, 1).isNaN)
    #expect(ReferenceMath.minimum(1, .nan).isNaN)
    #expect(ReferenceMath.clip(.nan, 0, 1).isNaN)
    #expect(ReferenceMath.clip(-3, 1e-7, 1) == 1e-7)
    #expect(ReferenceMath.clip(3, 1e-7, 1) == 1)
  }

  // MARK: log-sum-exp

  /// 2000 random vectors of 1–40 entries, each drawn with its own scale (1e-3 … 800) and offset.
  @Test func logSumExpMeetsTheConditionAwareBound() {
    var rng = SplitMix64(seed: 0x15E)
    for caseIndex in 0..<2000 {
      let n = rng.integer(in: 1...40)
      let scale = exp(rng.uniform(log(1e-3), log(800)))
      let offset = rng.uniform(-400, 400)
      let values = (0..<n).map { _ in offset + rng.uniform(-scale, scale) }
      let (m, logS) = logSumExp80(values)
      let got = ReferenceMath.logSumExp(values)
      let error = Double(abs(Float80(got) - (m + logS)))
      let bound = 4 * u * Double(abs(m) + abs(logS)) + Double(n + 2) * u
      #expect(error <= bound, "case \(caseIndex): lse \(values) = \(got), exact \(Double(m + logS)), err \(error) > \(bound)")
    }
  }

  /// Where nothing cancels (all entries ≥ 1, so m and log S are both positive), it is a few ULPs.
  @Test func logSumExpOfPositiveEntriesIsWithinFourULPs() {
    var rng = SplitMix64(seed: 0x15F)
    for _ in 0..<2000 {
      let values = (0..<rng.integer(in: 1...20)).map { _ in rng.uniform(1, 800) }
      let (m, logS) = logSumExp80(values)
      let error = ulps(ReferenceMath.logSumExp(values), m + logS)
      #expect(error <= 4, "lse \(values): \(error) ULP")
    }
  }

  @Test func logSumExpExactCases() {
    #expect(ReferenceMath.logSumExp([]) == -.infinity)
    #expect(ReferenceMath.logSumExp([-.infinity, -.infinity]) == -.infinity)
    #expect(ReferenceMath.logSumExp([-.infinity, 3]) == 3)
    #expect(ReferenceMath.logSumExp([.infinity, 0]) == .infinity)
    #expect(ReferenceMath.logSumExp([.nan, 0]).isNaN)
    #expect(ReferenceMath.logSumExp([0, .nan]).isNaN)
    #expect(ReferenceMath.logSumExp([800, 800]) == 800 + log(2.0))
    #expect(ReferenceMath.logSumExp([-800, -800]) == -800 + log(2.0))
  }

  // MARK: log-add-exp

  @Test func logAddExpMeetsTheConditionAwareBound() {
    for (i, a) in wideInputs(seed: 0xADD1).enumerated() {
      var rng = SplitMix64(seed: UInt64(i))
      let b = rng.unit() < 0.5 ? a + rng.uniform(-40, 40) : rng.uniform(-800, 800)
      let (m, logS) = logSumExp80([a, b])
      let got = ReferenceMath.logAddExp(a, b)
      let error = Double(abs(Float80(got) - (m + logS)))
      let bound = 4 * u * Double(abs(m) + abs(logS)) + 4 * u
      #expect(error <= bound, "logAddExp(\(a), \(b)) = \(got), exact \(Double(m + logS)), err \(error) > \(bound)")
      #expect(got == ReferenceMath.logAddExp(b, a), "symmetric")
    }
  }

  @Test func logAddExpExactCases() {
    #expect(ReferenceMath.logAddExp(-.infinity, -.infinity) == -.infinity)
    #expect(ReferenceMath.logAddExp(-.infinity, 3) == 3)
    #expect(ReferenceMath.logAddExp(3, -.infinity) == 3)
    #expect(ReferenceMath.logAddExp(.infinity, 3) == .infinity)
    #expect(ReferenceMath.logAddExp(.nan, 0).isNaN)
    #expect(ReferenceMath.logAddExp(0, .nan).isNaN)
    #expect(ReferenceMath.logAddExp(0, 0) == log(2.0))
    // A 1000-apart pair: the smaller one vanishes below half an ULP.
    #expect(ReferenceMath.logAddExp(500, -500) == 500)
  }
}

#endif
