import LossCore
import PropertyCheck

// Edge inputs whose value has no closed form: valid inputs with some entries moved to an edge (the
// clip bounds, logits far in the tails, subnormals), compared with the reference evaluated as
// float32 under the agreement bound (|got − exact| ≤ 1 ULP + 4u·Σ|terms|, see `Agreement`). Where the
// reference is finite the candidate must be finite; NaN must match NaN.
extension EdgeCases {
  static func againstReference(of loss: Loss, reductions: [Reduction]) -> [LossProperty] {
    var properties = [
      edgeAgreement(
        loss, "is finite and agrees with the reference on subnormal inputs",
        "predictions (and real-valued targets) replaced at random by subnormals or ±0 (non-negative where the "
          + "loss reads probabilities): results finite where the reference's are, within the agreement bound",
        predictions: subnormals(signed: !readsProbabilities(loss)), targets: hasRealTargets(loss) ? subnormals(signed: false) : nil,
        reductions: reductions)
    ]
    if readsProbabilities(loss) {
      properties.append(
        edgeAgreement(
          loss, "is finite and agrees with the reference at the clip bounds",
          "probabilities replaced at random by 0, eps, eps's neighbours, 1 − 2⁻²³ (= Float(1 − 1e-7)), 1 − 2⁻²⁴ and 1 "
            + "(targets too for KLD and Poisson): finite where the reference is, within the agreement bound",
          predictions: clipBounds, targets: [.klDivergence, .poisson].contains(loss.name) ? clipBounds : nil,
          reductions: reductions))
    }
    if loss.isFromLogits {
      properties.append(
        edgeAgreement(
          loss, "is finite and agrees with the reference at logits of ±1e4",
          "logits replaced at random by ±1e4, ±103.97, ±100, ±88.72, ±20, ±17 or 0: finite, within the agreement "
            + "bound (whose condition scale includes the logits' spread)",
          predictions: extremeLogits, targets: nil, reductions: reductions))
    }
    return properties
  }

  /// Whether `y_pred` holds probabilities (or other non-negative values a sign flip would make invalid).
  static func readsProbabilities(_ loss: Loss) -> Bool {
    switch loss {
    case .binaryCrossentropy(let fromLogits, _, _), .categoricalCrossentropy(let fromLogits, _, _),
      .sparseCategoricalCrossentropy(let fromLogits, _, _):
      !fromLogits
    case .binaryFocalCrossentropy(_, _, _, let fromLogits, _, _), .categoricalFocalCrossentropy(_, _, let fromLogits, _, _):
      !fromLogits
    case .klDivergence, .poisson, .categoricalGeneralizedCrossEntropy, .dice, .tversky:
      true
    default:
      false
    }
  }

  /// Whether `y_true` holds real values an edge can replace (not class labels or hinge's label sets).
  static func hasRealTargets(_ loss: Loss) -> Bool {
    switch loss {
    case .meanSquaredError, .meanAbsoluteError, .meanAbsolutePercentageError, .meanSquaredLogarithmicError,
      .cosineSimilarity, .huber, .logCosh, .klDivergence, .poisson, .binaryCrossentropy, .binaryFocalCrossentropy,
      .categoricalCrossentropy, .categoricalFocalCrossentropy, .dice, .tversky:
      true
    default:
      false
    }
  }

  static func subnormals(signed: Bool) -> Gen<Float> {
    let magnitude = Gen.oneOf(
      Gen.element(of: [Float.leastNonzeroMagnitude, Float.leastNormalMagnitude.nextDown, 0]),
      Gen.float(in: 0...Float.leastNormalMagnitude.nextDown))
    guard signed else { return magnitude }
    return zip(magnitude, Gen.bool).map { value, negative in negative ? -value : value }
  }

  static let clipBounds: Gen<Float> = Gen<Float>.element(of: [
    0, 1e-7, Float(1e-7).nextDown, Float(1e-7).nextUp, 1 - 0x1p-23, Float(1 - 1e-7), 1 - 0x1p-24, 1,
  ])

  static let extremeLogits: Gen<Float> = Gen<Float>.element(of: [
    1e4, -1e4, 103.97, -103.97, 100, -100, 88.72, -88.72, 20, -20, 17, -17, 0,
  ])

  /// Valid inputs of `loss` with each prediction (and target, when `targets` is given) replaced by a
  /// value of `predictions` at random; the replacements shrink away toward the valid input.
  static func replacing(
    _ loss: Loss, predictions: Gen<Float>, targets: Gen<Float>?, reductions: [Reduction]
  ) -> Gen<LossInput> {
    func replaced(_ tensor: Tensor<Float>, _ values: Gen<Float>) -> Gen<Tensor<Float>> {
      zip(Gen.bool, values).array(count: tensor.count).map { choices in
        var copy = tensor
        for (i, (replace, value)) in choices.enumerated() where replace { copy.scalars[i] = value }
        return copy
      }
    }
    return zip(ReductionLaws.validTensors(loss), Gen.element(of: reductions)).flatMap { tensors, reduction in
      let (yTrue, yPred, _) = tensors
      let y = targets.map { replaced(yTrue, $0) } ?? .constant(yTrue)
      return zip(y, replaced(yPred, predictions)).map { y, p in
        LossInput(yTrue: y, yPred: p, reduction: reduction)
      }
    }
  }

  static func edgeAgreement(
    _ loss: Loss, _ name: String, _ summary: String, predictions: Gen<Float>, targets: Gen<Float>?,
    reductions: [Reduction]
  ) -> LossProperty {
    LossProperty(
      name: name, summary: summary,
      generator: replacing(loss, predictions: predictions, targets: targets, reductions: reductions)
    ) { input, candidate, measurement in
      try agreesWithReference(loss, input, candidate, &measurement)
    }
  }

  /// `Agreement.check` on an edge input: the reference must accept it (the generators keep inputs
  /// valid), and the candidate must agree within the agreement bound (which also makes it finite
  /// wherever the reference is finite, and NaN exactly where the reference is NaN).
  static func agreesWithReference(
    _ loss: Loss, _ input: LossInput, _ candidate: Candidate, _ measurement: inout Measurement
  ) throws -> String? {
    do {
      _ = try input.referenceValue(of: loss)
    } catch {
      return "the reference rejects this edge input: \(error)"
    }
    return try Agreement.check(loss, input, candidate: candidate, measurement: &measurement)
  }
}
