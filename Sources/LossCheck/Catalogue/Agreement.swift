import LossCore
import PropertyCheck

/// Agreement of a candidate kernel with the reference evaluated as float32.
///
/// The bound, per element of the result: |got − exact| ≤ 1·ulp(exact) + 4u·S, with u = 2⁻²⁴ and S
/// the condition scale of `ConditionScale` (Σ|terms| of the element). Where nothing cancels, S is
/// about |exact|, so the bound is 1 ULP plus 4u relative — the blocked Float summation of the
/// kernels can lose up to 3u·Σ|terms| in the worst case, and the final rounding adds ½ ULP. Where
/// terms cancel (KL near 0, lse − x_t for a confident logit, 1 − ratio for a perfect overlap), the
/// 4u·S term dominates and the error is judged against the terms, not the small result. NaN must
/// match NaN and an infinity must match exactly. The largest error reported counts the
/// well-conditioned results only (condition term within 4 ULPs), where an error in ULPs is meaningful.
public enum Agreement {
  static let ulpAllowance = 1.0
  static let conditionAllowance = 4.0
  static let unitRoundoff = 0x1p-24

  /// The agreement property of `loss` on `candidate`'s inputs.
  static func property(_ loss: Loss, for candidate: Candidate) -> LossProperty {
    LossProperty(
      name: "agrees with the reference as float32",
      summary: "|kernel − reference| ≤ 1 ULP + 4u·Σ|terms| per element of the result",
      generator: LossInputs.valid(loss, for: candidate)
    ) { input, candidate, measurement in
      try check(loss, input, candidate: candidate, measurement: &measurement)
    }
  }

  /// Checks `candidate` against the reference on one input: nil when it agrees within the bound,
  /// else what differs. Records the error in ULPs of each well-conditioned result element.
  ///
  /// - Throws: the reference's `LossError` when the input is invalid.
  public static func check(
    _ loss: Loss, _ input: LossInput, candidate: Candidate, measurement: inout Measurement
  ) throws -> String? {
    let exact = try input.referenceValue(of: loss)
    let got: Tensor<Float>
    do {
      got = try candidate(loss, input)
    } catch {
      return "the candidate threw \(error) where the reference gives \(exact)"
    }
    guard got.shape == exact.shape else {
      return "result shape \(got.shape), the reference's is \(exact.shape)"
    }
    let scales = try ConditionScale.scales(loss, input)
    for (index, (value, expected)) in zip(got.scalars, exact.scalars).enumerated() {
      if expected.isNaN || value.isNaN {
        guard expected.isNaN && value.isNaN else {
          return "element \(index): got \(value), the reference gives \(expected)"
        }
        continue
      }
      let error = ulpError(value, expected)
      let scale = index < scales.count ? scales[index] : scales.last ?? 0
      let conditionTerm = conditionAllowance * unitRoundoff * scale
      // ULPs mean something only where the result is well conditioned: there the condition
      // term is itself within a few ULPs of the result.
      if conditionTerm <= 4 * error.ulp { measurement.record(error.ulps) }
      let allowed = ulpAllowance * error.ulp + conditionTerm
      if !(error.absolute <= allowed) {
        return "element \(index): got \(value), the reference gives \(expected) "
          + "(error \(formatted(error.ulps)) ULP; allowed \(formatted(allowed / error.ulp)) ULP "
          + "with Σ|terms| = \(scale))"
      }
    }
    return nil
  }

  /// The error of `value` against the exact `expected`: absolute, in ULPs of the exact value
  /// rounded to Float, and that ULP.
  static func ulpError(_ value: Float, _ expected: Double) -> (absolute: Double, ulps: Double, ulp: Double) {
    if value.isInfinite || expected.isInfinite {
      let same = Double(value) == expected
      return (same ? 0 : .infinity, same ? 0 : .infinity, Double(Float.greatestFiniteMagnitude.ulp))
    }
    let rounded = Float(expected)
    let ulp = Double(rounded.isFinite ? rounded.ulp : Float.greatestFiniteMagnitude.ulp)
    let absolute = abs(Double(value) - expected)
    return (absolute, absolute / ulp, ulp)
  }

  /// A ULP count for reports: two decimals below 100, whole numbers below 10¹⁵, and the plain
  /// Double beyond that or when infinite (an error against an exact 0 can be astronomically many
  /// ULPs of the subnormal spacing, and must not trap converting to Int).
  static func formatted(_ value: Double) -> String {
    guard value.isFinite, value < 1e15 else { return "\(value)" }
    return value >= 100 ? String(Int(value.rounded())) : String(Double(Int(value * 100)) / 100)
  }
}
