import LossCore

/// A property the fuzz check found violated, with the input that violates it.
public struct FuzzFinding: Error, Sendable, CustomStringConvertible {
  /// The property, e.g. `same LossError as the reference`.
  public let property: String
  /// What differs.
  public let detail: String
  /// The decoded input.
  public let input: FuzzInput

  /// `property …: detail`, then the decoded input.
  public var description: String {
    "property \(property): \(detail)\ninput:\n\(input)"
  }
}

/// The check every fuzzer runs on one decoded input: the Float32 kernel against the reference
/// evaluated as float32, plus a few cheap invariants.
///
/// An input is *in range* when every finite scalar of `y_true`, `y_pred` and the weights, and every
/// real option (Huber's δ, the focal α and γ, tversky's α and β, circle's γ and margin), has
/// magnitude ≤ 2³¹ and every weight is finite and ≥ 0 (or NaN); for dice, tversky and the
/// crossentropies read from probabilities, targets and probabilities must also be in [0, 1] (or NaN);
/// and the crossentropies must see no infinite target (Keras's backends disagree there: TF's
/// `relu(x) − x·t + log1p(exp(−|x|))` gives ±∞, JAX's `−t·log σ(x) − (1 − t)·log σ(−x)` NaN).
/// Beyond that a Float32 intermediate (a square of a product, as in squared hinge, Σp of signed
/// "probabilities", a product that underflows to 0 and meets an infinite weight) may overflow,
/// cancel or underflow where the reference's Double arithmetic does not, as Keras's own float32
/// computation would; so rules 3 to 5 apply in range only.
///
/// The rules, in order:
///
/// 1. **Bad input.** When the reference throws a `LossError`, the kernel must throw a `LossError`
///    of the same case (`invalidShape`, `incompatibleShapes`, `invalidValue`, `invalidOption`) naming
///    the same `argument`. Any other outcome (a value, another error, a trap) is a finding.
/// 2. **Valid input.** The kernel must return a value, of the reference's shape.
/// 3. **Non-finite values**, per result element, with `r` the reference rounded to Float (a Double
///    result beyond `Float.greatestFiniteMagnitude` rounds to ±∞):
///    `r` is NaN ⇔ the kernel's element is NaN (any NaN: sign and payload are not compared);
///    `r` is ±∞ ⇒ the kernel's element is the same infinity; `r` finite ⇒ the kernel's element is
///    finite.
/// 4. **Finite values**, in range, when `ConditionScale` sees the shapes it was written for (one
///    shape for `y_true` and `y_pred` of the elementwise losses, the reduced or class axis last):
///    `Agreement.check`'s bound |kernel − reference| ≤ 1 ULP + 4u·Σ|terms| per element, skipping
///    NaN elements, elements whose Σ|terms| is NaN (an infinite term times a zero weight), and
///    results below `Float.leastNormalMagnitude` × max(1, largest weight), where a subnormal Float
///    intermediate loses relative precision that the bound does not account for.
/// 5. **Invariants**, in range: the kernel is deterministic (a second call gives the same bits);
///    the losses that are non-negative for every input (MSE, MAE, MAPE, MSLE, Huber, hinge, squared
///    hinge, categorical hinge) give no negative element; under the `sum` reduction the result is
///    the sum of the `none` result within 1 ULP + 2u·Σ|elements| + n·2⁻¹⁴⁹ (n elements).
public enum FuzzCheck {
  /// Decodes `bytes` and checks the built-in kernels on it; nil when every rule holds or the
  /// finding is a known issue (see `FuzzKnownIssue`; `LOSSCHECK_FUZZ_STRICT=1` reports those too).
  public static func run(_ bytes: [UInt8]) -> FuzzFinding? {
    guard let finding = check(FuzzInput.decode(bytes)) else { return nil }
    if !FuzzKnownIssue.isStrict && FuzzKnownIssue.matching(finding) != nil { return nil }
    return finding
  }

  /// Checks `candidate` on one decoded input; nil when every rule holds. Known issues are reported.
  public static func check(_ fuzz: FuzzInput, candidate: Candidate = .float32Kernels) -> FuzzFinding? {
    let (loss, input) = (fuzz.loss, fuzz.input)
    func finding(_ property: String, _ detail: String) -> FuzzFinding {
      FuzzFinding(property: property, detail: detail, input: fuzz)
    }

    let reference: Tensor<Double>
    do {
      reference = try input.referenceValue(of: loss)
    } catch let expected as LossError {
      return checkRejection(expected, fuzz, candidate: candidate)
    } catch {
      return finding("the reference throws only LossError", "the reference threw \(error)")
    }

    let got: Tensor<Float>
    do {
      got = try candidate.evaluate(loss, input)
    } catch {
      return finding("accepts what the reference accepts", "the kernel threw \(error); the reference gives \(reference)")
    }
    guard got.shape == reference.shape else {
      return finding("result shape", "the kernel's result has shape \(got.shape), the reference's \(reference.shape)")
    }

    let inRange =
      isInRange(input) && hasModerateOptions(loss) && isInToleranceDomain(loss, input)
      && !hasBackendDependentTargets(loss, input)
    var roundingOverflow = false
    for (index, (value, exact)) in zip(got.scalars, reference.scalars).enumerated() {
      let rounded = Float(exact)
      if rounded.isInfinite && exact.isFinite { roundingOverflow = true }
      guard inRange else { continue }
      if rounded.isNaN && !value.isNaN {
        return finding("NaN agreement", "element \(index): got \(value), the reference gives NaN")
      }
      if value.isNaN && !rounded.isNaN {
        return finding("NaN agreement", "element \(index): got NaN, the reference gives \(exact)")
      }
      if rounded.isInfinite && value != rounded {
        return finding(
          "infinity agreement", "element \(index): got \(value), the reference gives \(exact) (\(rounded) in Float)")
      }
      if rounded.isFinite && value.isInfinite {
        return finding("finite agreement", "element \(index): got \(value), the reference gives \(exact)")
      }
    }
    guard inRange else { return nil }
    if !roundingOverflow && hasScaledShapes(loss, input) {
      do {
        let scales = try ConditionScale.scales(loss, input)
        let weight = input.sampleWeight?.scalars.lazy.filter { !$0.isNaN }.map(Double.init).max() ?? 1
        let underflow = Double(Float.leastNormalMagnitude) * Swift.max(1, weight)
        if let difference = agreementDifference(got, reference, scales, underflow: underflow) {
          return finding("agrees with the reference as float32", difference)
        }
        // Agreement.check formats its message with Int(_:), which traps on a NaN bound, and has
        // no underflow exemption: call it only when every element had a bound (which holds).
        let skipped = zip(reference.scalars, scales + Array(repeating: scales.last ?? 0, count: reference.count))
          .contains { expected, scale in scale.isNaN || (!expected.isNaN && abs(expected) < underflow) }
        if !skipped {
          var measurement = Measurement()
          if let difference = try Agreement.check(loss, input, candidate: candidate, measurement: &measurement) {
            return finding("agrees with the reference as float32 (Agreement.check)", difference)
          }
        }
      } catch {
        return finding("the agreement bound evaluates on a valid input", "it threw \(error)")
      }
    }
    return checkInvariants(got, fuzz, candidate: candidate)
  }

  /// Rule 4: `Agreement.check`'s bound, |got − exact| ≤ 1 ULP + 4u·Σ|terms| per element, with its
  /// constants and condition scales; nil when it holds. NaN elements were matched by rule 3; an
  /// element whose scale is NaN, or whose exact value is below `underflow`, has no bound.
  static func agreementDifference(
    _ got: Tensor<Float>, _ reference: Tensor<Double>, _ scales: [Double], underflow: Double
  ) -> String? {
    for (index, (value, expected)) in zip(got.scalars, reference.scalars).enumerated() {
      let scale = index < scales.count ? scales[index] : scales.last ?? 0
      if expected.isNaN || value.isNaN || scale.isNaN || abs(expected) < underflow { continue }
      let error = Agreement.ulpError(value, expected)
      let allowed = Agreement.ulpAllowance * error.ulp + Agreement.conditionAllowance * Agreement.unitRoundoff * scale
      if !(error.absolute <= allowed) {
        return "element \(index): got \(value), the reference gives \(expected) (error \(error.ulps) ULP; "
          + "allowed \(allowed / error.ulp) ULP with Σ|terms| = \(scale))"
      }
    }
    return nil
  }

  /// The magnitude beyond which Float32 intermediates may overflow where Double ones do not.
  static let rangeLimit: Float = 0x1p31

  /// Whether every finite scalar is within ±2³¹ and every weight finite and ≥ 0 (or NaN).
  static func isInRange(_ input: LossInput) -> Bool {
    let moderate: (Float) -> Bool = { !$0.isFinite || abs($0) <= rangeLimit }
    guard input.yTrue.scalars.allSatisfy(moderate), input.yPred.scalars.allSatisfy(moderate) else { return false }
    return input.sampleWeight?.scalars.allSatisfy { $0.isNaN || ($0 >= 0 && $0 <= rangeLimit) } ?? true
  }

  /// Whether every real option is within ±2³¹: Huber's ½δ², focal and circle exponents of larger
  /// values overflow in Float where the reference's Double does not.
  static func hasModerateOptions(_ loss: Loss) -> Bool {
    let values: [Double] =
      switch loss {
      case .huber(let delta): [delta]
      case .binaryFocalCrossentropy(_, let alpha, let gamma, _, _, _): [alpha, gamma]
      case .categoricalFocalCrossentropy(let alpha, let gamma, _, _, _): alpha + [gamma]
      case .tversky(let alpha, let beta, _): [alpha, beta]
      case .circle(let gamma, let margin, _): [gamma, margin]
      default: []
      }
    return values.allSatisfy { abs($0) <= Double(rangeLimit) }
  }

  /// Whether the crossentropies see an infinite target, where Keras's backends disagree (TF's
  /// `relu(x) − x·t + log1p(exp(−|x|))` gives ±∞, JAX's `−t·log σ(x) − (1 − t)·log σ(−x)` NaN);
  /// the reference follows one of them, so rules 3 to 5 do not apply.
  static func hasBackendDependentTargets(_ loss: Loss, _ input: LossInput) -> Bool {
    guard FuzzFamily.of(loss.name) == .crossentropy else { return false }
    return input.yTrue.scalars.contains { $0.isInfinite }
  }

  /// Whether `ConditionScale` sees the shapes it was written for: `y_true` and `y_pred` of one shape
  /// for the elementwise losses (with Keras's rank alignment or broadcasting it falls back to the
  /// result's own magnitude, which understates Σ|terms|); any shapes for the others.
  /// The same holds for the class axis: the logits' spread is taken along the last axis, so an
  /// `axis` option naming another axis understates it.
  static func hasScaledShapes(_ loss: Loss, _ input: LossInput) -> Bool {
    let axis: Int? =
      switch loss {
      case .cosineSimilarity(let axis), .binaryCrossentropy(_, _, let axis), .categoricalCrossentropy(_, _, let axis),
        .binaryFocalCrossentropy(_, _, _, _, _, let axis), .categoricalFocalCrossentropy(_, _, _, _, let axis),
        .sparseCategoricalCrossentropy(_, _, let axis):
        axis
      default: nil
      }
    if let axis, Shape.normalizedAxis(axis, rank: input.yPred.rank) != input.yPred.rank - 1 { return false }
    switch loss {
    case .sparseCategoricalCrossentropy, .categoricalGeneralizedCrossEntropy, .ctc, .circle: return true
    default: return input.yTrue.shape == input.yPred.shape
    }
  }

  /// Whether the input is inside the domain `ConditionScale`'s bound was argued for: targets and
  /// probabilities in [0, 1] for dice, tversky and the crossentropies read from probabilities
  /// (their scales assume sums of non-negative terms); any input for the other losses.
  static func isInToleranceDomain(_ loss: Loss, _ input: LossInput) -> Bool {
    let unit: (Float) -> Bool = { $0.isNaN || (0...1).contains($0) }
    let targets = input.yTrue.scalars.allSatisfy(unit)
    let probabilities = input.yPred.scalars.allSatisfy(unit)
    switch loss {
    case .dice, .tversky:
      return targets && probabilities
    case .binaryCrossentropy, .binaryFocalCrossentropy, .categoricalCrossentropy, .categoricalFocalCrossentropy:
      return targets && (loss.isFromLogits || probabilities)
    case .sparseCategoricalCrossentropy, .categoricalGeneralizedCrossEntropy:
      return loss.isFromLogits || probabilities
    default:
      return true
    }
  }

  /// Rule 1: the kernel rejects what the reference rejects, with the same case and argument.
  static func checkRejection(_ expected: LossError, _ fuzz: FuzzInput, candidate: Candidate) -> FuzzFinding? {
    let property = "same LossError as the reference"
    do {
      let got = try candidate.evaluate(fuzz.loss, fuzz.input)
      return FuzzFinding(
        property: property, detail: "the kernel returned \(got); the reference threw \(expected)", input: fuzz)
    } catch let error as LossError {
      guard error.caseName == expected.caseName, error.argument == expected.argument else {
        return FuzzFinding(
          property: property, detail: "the kernel threw \(error); the reference threw \(expected)", input: fuzz)
      }
      return nil
    } catch {
      return FuzzFinding(
        property: property, detail: "the kernel threw \(error); the reference threw \(expected)", input: fuzz)
    }
  }

  /// The losses whose every per-sample value is ≥ 0 for every input.
  static func isNonNegative(_ loss: Loss) -> Bool {
    switch loss {
    case .meanSquaredError, .meanAbsoluteError, .meanAbsolutePercentageError, .meanSquaredLogarithmicError,
      .huber, .hinge, .squaredHinge, .categoricalHinge:
      true
    default:
      false
    }
  }

  /// Rule 5: determinism, non-negativity, and `sum` = Σ `none`.
  static func checkInvariants(_ got: Tensor<Float>, _ fuzz: FuzzInput, candidate: Candidate) -> FuzzFinding? {
    let (loss, input) = (fuzz.loss, fuzz.input)
    func finding(_ property: String, _ detail: String) -> FuzzFinding {
      FuzzFinding(property: property, detail: detail, input: fuzz)
    }
    guard let again = try? candidate.evaluate(loss, input),
      again.shape == got.shape, again.scalars.map(\.bitPattern) == got.scalars.map(\.bitPattern)
    else {
      return finding("deterministic", "a second call gave \((try? candidate.evaluate(loss, input)).map { "\($0)" } ?? "an error") after \(got)")
    }
    if isNonNegative(loss), let index = got.scalars.firstIndex(where: { $0 < 0 }) {
      return finding("non-negative", "element \(index) is \(got.scalars[index])")
    }
    if input.reduction == .sum, got.count == 1, got.scalars[0].isFinite {
      guard let elements = try? candidate.evaluate(loss, input.with(reduction: .none)) else {
        return finding("sum = Σ none", "the kernel rejects reduction none on an input it accepts with sum")
      }
      let values = elements.scalars.map(Double.init)
      if values.allSatisfy(\.isFinite) {
        let total = values.reduce(0, +)
        let magnitude = values.reduce(0) { $0 + abs($1) }
        let sum = Double(got.scalars[0])
        // Rounding each `none` element to Float loses up to 2u of it, or ½·2⁻¹⁴⁹ absolute where
        // it is subnormal.
        let subnormal = Double(values.count) * Double(Float.leastNonzeroMagnitude)
        let allowed = Double(Float(total).ulp) + 2 * 0x1p-24 * magnitude + subnormal
        if !(abs(sum - total) <= allowed) {
          return finding("sum = Σ none", "sum gives \(sum), Σ none is \(total) (allowed difference \(allowed))")
        }
      }
    }
    return nil
  }
}

extension LossError {
  /// The case without its associated values, e.g. `invalidShape`.
  var caseName: String {
    switch self {
    case .invalidShape: "invalidShape"
    case .incompatibleShapes: "incompatibleShapes"
    case .invalidValue: "invalidValue"
    case .invalidOption: "invalidOption"
    }
  }
}
