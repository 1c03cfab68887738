import LossCore
import LossReference
import PropertyCheck

/// The gradient properties of a loss: for a candidate with a gradient kernel, agreement with the
/// reference gradient as float32 and the gradient's own laws; for the built-in kernels (the main
/// job), also the reference gradient against central finite differences of the reference.
///
/// The gradient is the reference's `Reference.gradient`: ∂(reduced loss)/∂y_pred (for `.none`, of
/// the sum of its elements), with JAX's conventions at clips and kinks.
public enum GradientProperties {
  /// The gradient properties of `loss` that apply to `candidate` (none without a gradient kernel,
  /// unless it asks for the reference check).
  public static func properties(of loss: Loss, for candidate: Candidate) -> [LossProperty] {
    var properties = [LossProperty]()
    if candidate.gradient != nil {
      properties.append(agreement(loss, for: candidate))
      properties += laws(of: loss, for: candidate)
    }
    if candidate.checksReferenceGradient {
      properties.append(finiteDifferences(loss, for: candidate))
    }
    return properties
  }

  // MARK: - Agreement with the reference

  /// ULPs of the exact element allowed (k).
  static let ulpAllowance = 8.0
  /// Multiples of u·Σ|terms| allowed (c).
  static let conditionAllowance = 8.0
  static let unitRoundoff = 0x1p-24

  /// The agreement of the candidate's gradient with the reference gradient as float32.
  ///
  /// The bound, per element k of the gradient: |g_k − exact_k| ≤ 8·ulp(exact_k) + 8u·M_k, with
  /// u = 2⁻²⁴ and M_k the magnitude of the terms of that element (`GradientScale`: the reduction's
  /// factor times Σ|terms| of ∂l/∂p_k). Why 8 and 8: an element of a Float gradient kernel is a
  /// chain of a handful of roundings — the reduction's factor g/n, a difference, a quotient or an
  /// elementary function (< 1–4 ULP each in the kernels' vector libraries), the final product — and
  /// the kernels' own documented bounds go up to 7 ULP (MSLE) and 5.5 ULP (log-cosh); where the
  /// element is a difference of terms (softmax − t, p_c − t, 1 − y/(p + eps), …) the rounding of
  /// each term (≤ 3–5u of it in the kernels' bounds) is judged against the terms, not the small
  /// difference. NaN must match NaN and an infinity must match exactly. The largest error reported
  /// counts well-conditioned elements only (condition term within 4 ULPs of the element).
  ///
  /// Near a kink or a clip bound of a *computed* quantity (o = p/Σp at eps, a margin at 0, a
  /// maximum's tie) the float32 kernel and the Double reference may legitimately stand on
  /// different sides of the kink, where the exact gradient jumps; such elements are left out
  /// (`GradientKinks`).
  static func agreement(_ loss: Loss, for candidate: Candidate) -> LossProperty {
    LossProperty(
      name: "gradient agrees with the reference gradient as float32",
      summary: "|g_k − reference_k| ≤ 8 ULP + 8u·M_k per element of ∂loss/∂y_pred, M_k the reduction's factor "
        + "times Σ|terms| of the element (e.g. (softmax_k·Σt + t_k)·g for crossentropy from logits)",
      measuring: .gradient,
      generator: LossInputs.valid(loss, for: candidate)
    ) { input, candidate, measurement in
      try check(loss, input, candidate: candidate, measurement: &measurement)
    }
  }

  /// Checks `candidate`'s gradient against the reference gradient on one input: nil when it agrees
  /// within the bound of `agreement`, else what differs. Records the error in ULPs of each
  /// well-conditioned element.
  ///
  /// - Throws: the reference's `LossError` when the input is invalid.
  public static func check(
    _ loss: Loss, _ input: LossInput, candidate: Candidate, measurement: inout Measurement
  ) throws -> String? {
    let exact = try referenceGradient(loss, input)
    let got: Tensor<Float>
    do {
      guard let gradient = try candidate.evaluateGradient(loss, input) else { return nil }
      got = gradient
    } catch {
      return "the candidate's gradient threw \(error) where the reference gives \(exact)"
    }
    guard got.shape == exact.shape else {
      return "gradient shape \(got.shape), the reference's (y_pred's) is \(exact.shape)"
    }
    let allowed = try allowances(loss, input, exact: exact.scalars)
    let kinks = GradientKinks.nearKink(loss, input)
    for (index, (value, expected)) in zip(got.scalars, exact.scalars).enumerated() {
      if expected.isNaN || value.isNaN {
        guard expected.isNaN && value.isNaN else {
          return "gradient element \(index): got \(value), the reference gives \(expected)"
        }
        continue
      }
      if kinks[index] { continue }
      let error = Agreement.ulpError(value, expected)
      if allowed[index].wellConditioned { measurement.record(error.ulps) }
      if !(error.absolute <= allowed[index].absolute) {
        return "gradient element \(index): got \(value), the reference gives \(expected) "
          + "(error \(formatted(error.ulps)) ULP; allowed \(formatted(allowed[index].absolute / error.ulp)) ULP "
          + "with M = \(allowed[index].magnitude))"
      }
    }
    return nil
  }

  /// The reference gradient as float32 (float32 inputs, constants and clipping; Double arithmetic).
  static func referenceGradient(_ loss: Loss, _ input: LossInput) throws -> Tensor<Double> {
    try Reference.gradient(
      loss, yTrue: input.yTrue.map(Double.init), yPred: input.yPred.map(Double.init),
      sampleWeight: input.sampleWeight?.map(Double.init), reduction: input.reduction, as: .float32)
  }

  /// The allowance of each element: 8·ulp(exact) + 8u·M, with M and whether the element is well
  /// conditioned (the condition term within 4 ULPs of it).
  struct Allowance {
    var absolute: Double
    var magnitude: Double
    var wellConditioned: Bool
  }

  ///
  /// Underflow: where the reduction's factor s of an element's sample (a weight of 1e-45 over the
  /// batch) is below Float's normal range, a kernel that rounds s to Float loses relative precision
  /// 2⁻¹⁵⁰/s, and with it every element of the sample: the allowance adds 2·|exact|·2⁻¹⁴⁹/s there.
  static func allowances(_ loss: Loss, _ input: LossInput, exact: [Double]) throws -> [Allowance] {
    let scales = try GradientScale.scales(loss, input)
    return exact.indices.map { k in
      let ulp = Agreement.ulpError(0, exact[k]).ulp
      let magnitude = k < scales.magnitudes.count ? scales.magnitudes[k] : 0
      var condition = conditionAllowance * unitRoundoff * (magnitude.isNaN ? .infinity : magnitude)
      let factor = k < scales.factors.count ? scales.factors[k] : 1
      if factor > 0 && factor < Double(Float.leastNormalMagnitude) {
        condition += 2 * abs(exact[k]) * Double(Float.leastNonzeroMagnitude) / factor
      }
      return Allowance(
        absolute: ulpAllowance * ulp + condition, magnitude: magnitude, wellConditioned: condition <= 4 * ulp)
    }
  }

  /// A short form of an error in ULPs (any size).
  static func formatted(_ value: Double) -> String {
    value.isFinite && value < 1e6 ? Agreement.formatted(value) : "\(Float(value))"
  }
}
