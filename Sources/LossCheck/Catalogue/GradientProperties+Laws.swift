import LossCore
import LossReference
import PropertyCheck

/// The laws of a candidate's gradient: facts about the exact gradient that relate the candidate's
/// own gradients to each other (or to 0), so they hold without reading the reference's values.
///
/// Each is checked with the agreement allowance A_k of `GradientProperties.agreement` (8 ULP of the
/// exact element + 8u·M_k) on every candidate element it reads, and nothing more: a sum of
/// elements whose exact sum is 0 may be off by Σ A_k; a relation between two gradients of the
/// candidate by A₁ + c·A₂. The reference is read only to size the allowances (ULPs of the exact
/// elements) and, where a law claims an exact zero, to check that the reference agrees.
extension GradientProperties {
  /// The laws that apply to `loss` on `candidate`.
  static func laws(of loss: Loss, for candidate: Candidate) -> [LossProperty] {
    var laws = [LossProperty]()
    if candidate.reductions.contains(.sum) && candidate.reductions.contains(.sumOverBatchSize) {
      laws.append(sumIsCountTimesMean(loss, for: candidate))
    }
    if candidate.acceptsSampleWeights {
      laws.append(constantWeightScales(loss, for: candidate))
    }
    switch loss {
    case .categoricalCrossentropy(let fromLogits, _, let axis), .categoricalFocalCrossentropy(_, _, let fromLogits, _, let axis),
      .sparseCategoricalCrossentropy(let fromLogits, _, let axis):
      laws.append(fromLogits ? rowsSumToZero(loss, for: candidate, axis: axis) : orthogonalToPrediction(loss, for: candidate, axis: axis))
    case .ctc:
      laws.append(rowsSumToZero(loss, for: candidate, axis: -1))
    default:
      break
    }
    if let clipped = clippedValues(loss) {
      laws.append(zeroWhereClipped(loss, for: candidate, values: clipped))
    }
    return laws
  }

  /// The candidate's gradient on `input`, the exact one (reference as float32), and the allowance of
  /// each element.
  ///
  /// The allowance of an element is taken at the larger of |exact| and |got| (the laws relate the
  /// candidate's values to each other), and elements at a computed kink (`GradientKinks`) are
  /// marked so the laws leave them out.
  struct GradientEvaluation {
    let got: [Float]
    let exact: [Double]
    let allowance: [Double]
    let skipped: [Bool]

    init(_ loss: Loss, _ candidate: Candidate, _ input: LossInput) throws {
      let exact = try GradientProperties.referenceGradient(loss, input).scalars
      let result: Tensor<Float>?
      do {
        result = try candidate.evaluateGradient(loss, input)
      } catch {
        throw Invariants.InvariantFailure("the candidate's gradient threw \(error) on a valid input")
      }
      guard let result, result.count == exact.count else {
        throw Invariants.InvariantFailure("the candidate's gradient has \(result?.count ?? 0) elements, y_pred \(exact.count)")
      }
      got = result.scalars
      self.exact = exact
      let allowances = try GradientProperties.allowances(loss, input, exact: exact)
      allowance = exact.indices.map { k in
        let larger = Agreement.ulpError(0, max(abs(exact[k]), abs(Double(result.scalars[k])))).ulp
        let own = Agreement.ulpError(0, exact[k]).ulp
        return allowances[k].absolute + GradientProperties.ulpAllowance * max(larger - own, 0)
      }
      skipped = GradientKinks.nearKink(loss, input)
    }
  }

  // MARK: - Reductions and weights

  /// ∇ under `sum` = N·∇ under `sum_over_batch_size`, N the number of per-sample losses that count.
  ///
  /// `sum_over_batch_size` divides the weighted sum by the element count of the losses (with a
  /// mask, Keras weights the valid entries by count/valid, so it divides by the valid count); the
  /// sum does not divide, so every factor, and every gradient element, differs by exactly N. A
  /// kernel that forgets the 1/N — or applies it twice — breaks it wherever N > 1.
  static func sumIsCountTimesMean(_ loss: Loss, for candidate: Candidate) -> LossProperty {
    LossProperty(
      name: "gradient of sum is N × gradient of sum_over_batch_size",
      summary: "|∇_sum − N·∇_sum_over_batch_size| ≤ A_sum + N·A_sbo per element, N the number of per-sample "
        + "losses (the valid ones under a mask)",
      generator: LossInputs.valid(loss, for: candidate)
    ) { input, candidate, _ in
      let (values, mask) = try Reference.unreducedLosses(
        loss, yTrue: input.yTrue.map(Double.init), yPred: input.yPred.map(Double.init), as: .float32)
      let count = Double(mask.map { $0.lazy.filter { $0 }.count } ?? values.count)
      let sum = try GradientEvaluation(loss, candidate, input.with(reduction: .sum))
      let mean = try GradientEvaluation(loss, candidate, input.with(reduction: .sumOverBatchSize))
      return related(sum, mean, scale: count, "∇_sum = \(Int(count))·∇_sum_over_batch_size")
    }
  }

  /// A case of a weight law: the input without weights and the constant weight c.
  struct WeightCase: CustomStringConvertible, CounterexampleSized {
    var input: LossInput
    var weight: Float
    var sampleShape: [Int]?

    var description: String { "\(input)\nconstant sample_weight = \(weight)" }
    var scalarCount: Int { input.scalarCount + 1 }
  }

  /// A constant sample weight c scales the gradient by c (`mean_with_sample_weight`: leaves it
  /// unchanged, c cancels against Σw).
  ///
  /// Every reduction is linear in the weights, and `mean_with_sample_weight` divides by Σw = c·count,
  /// which the unweighted mean divides by count; masks multiply the weights and do not change
  /// that. c is a power of two, so c·g is exact in Float. Applying the weights twice gives c²·g.
  static func constantWeightScales(_ loss: Loss, for candidate: Candidate) -> LossProperty {
    let generator = zip(LossInputs.tensors(loss), Gen.element(of: candidate.reductions), Gen.element(of: [Float(2), 4, 0.5]))
      .map { tensors, reduction, weight in
        WeightCase(
          input: LossInput(yTrue: tensors.0, yPred: tensors.1, reduction: reduction), weight: weight, sampleShape: tensors.2)
      }
    return LossProperty(
      name: "a constant sample weight c scales the gradient by c",
      summary: "|∇(w = c) − c·∇(no weights)| ≤ A₁ + c·A₂ per element, c ∈ {½, 2, 4} (for mean_with_sample_weight "
        + "over several samples c cancels: |∇(w = c) − ∇| ≤ A₁ + A₂)",
      generator: generator
    ) { weightCase, candidate, _ in
      guard let sampleShape = weightCase.sampleShape else { return nil }
      var weighted = weightCase.input
      weighted.sampleWeight = try Tensor(
        shape: sampleShape, scalars: Array(repeating: weightCase.weight, count: sampleShape.reduce(1, *)))
      // A single per-sample loss (shape []) is passed through by every reduction, weighted.
      let normalised = weightCase.input.reduction == .meanWithSampleWeight && sampleShape != []
      let scale = normalised ? 1 : Double(weightCase.weight)
      let withWeights = try GradientEvaluation(loss, candidate, weighted)
      let without = try GradientEvaluation(loss, candidate, weightCase.input)
      return related(withWeights, without, scale: scale, "∇(w = \(weightCase.weight)) = \(scale)·∇")
    }
  }

  /// |a_k − scale·b_k| ≤ A_a,k + scale·A_b,k for every element (NaN must match NaN).
  static func related(_ a: GradientEvaluation, _ b: GradientEvaluation, scale: Double, _ law: String) -> String? {
    for k in a.got.indices where !a.skipped[k] && !b.skipped[k] {
      let (x, y) = (a.got[k], b.got[k])
      if x.isNaN || y.isNaN {
        if x.isNaN != y.isNaN { return "\(law) fails at element \(k): \(x) and \(y)" }
        continue
      }
      let difference = abs(Double(x) - scale * Double(y))
      let allowed = a.allowance[k] + scale * b.allowance[k]
      if !(difference <= allowed) && !(x.isInfinite && Double(x) == scale * Double(y)) {
        return "\(law) fails at element \(k): \(x) against \(scale)·\(y) (off by \(difference); allowed \(allowed))"
      }
    }
    return nil
  }

  // MARK: - Softmax and normalisation

  /// Each row of the gradient from logits sums to zero: the loss depends on the logits only through
  /// softmax, which is unchanged by adding a constant to a row, so the directional derivative along
  /// (1, …, 1) is 0 — for any targets, any label smoothing, and whatever the loss does after the
  /// softmax (Keras's focal loss renormalises and clips it; CTC takes one softmax per time step).
  /// For crossentropy it is Σ_k (softmax_k·Σt − t_k) = 0. A kernel that forgets to subtract the
  /// target leaves Σt in every row.
  static func rowsSumToZero(_ loss: Loss, for candidate: Candidate, axis: Int) -> LossProperty {
    LossProperty(
      name: "gradient rows sum to zero from logits",
      summary: "|Σ_k ∇_k| ≤ Σ_k A_k over each row along the class axis: the loss depends on the logits only through "
        + "softmax, which is shift-invariant",
      generator: LossInputs.valid(loss, for: candidate)
    ) { input, candidate, _ in
      let evaluation = try GradientEvaluation(loss, candidate, input)
      return rowLaw(evaluation, shape: input.yPred.shape, axis: axis, weights: nil, "Σ_k ∇_k = 0")
    }
  }

  /// Each row of the gradient from probabilities is orthogonal to the row: the loss depends on p
  /// only through p/Σp (Keras normalises before clipping), which is unchanged by scaling the row,
  /// so Σ_k p_k·∂L/∂p_k = 0 (Euler's relation for a function homogeneous of degree 0), with or
  /// without clipping.
  static func orthogonalToPrediction(_ loss: Loss, for candidate: Candidate, axis: Int) -> LossProperty {
    LossProperty(
      name: "gradient rows are orthogonal to the probabilities",
      summary: "|Σ_k p_k·∇_k| ≤ Σ_k p_k·A_k over each row: the loss depends on p only through p/Σp",
      generator: LossInputs.valid(loss, for: candidate)
    ) { input, candidate, _ in
      let evaluation = try GradientEvaluation(loss, candidate, input)
      return rowLaw(
        evaluation, shape: input.yPred.shape, axis: axis, weights: input.yPred.scalars.map(Double.init), "Σ_k p_k·∇_k = 0")
    }
  }

  /// Σ_k w_k·∇_k over each row along `axis` is 0 within Σ_k |w_k|·A_k (w = 1 when nil); rows with a
  /// non-finite element (NaN where the loss is undefined) are left out.
  static func rowLaw(_ e: GradientEvaluation, shape: [Int], axis: Int, weights: [Double]?, _ law: String) -> String? {
    for (row, offsets) in Invariants.lanes(shape, axes: [axis]).enumerated() {
      guard offsets.allSatisfy({ e.got[$0].isFinite && e.exact[$0].isFinite && !e.skipped[$0] }) else { continue }
      var sum = 0.0
      var allowed = 0.0
      for k in offsets {
        let w = weights?[k] ?? 1
        sum += w * Double(e.got[k])
        allowed += abs(w) * e.allowance[k]
      }
      if !(abs(sum) <= allowed) {
        return "\(law) fails in row \(row): the sum is \(sum) (allowed \(allowed)); "
          + "row \(offsets.map { e.got[$0] })"
      }
    }
    return nil
  }

  // MARK: - Clipping

  /// Prediction values strictly outside the loss's clip range, where the gradient is zero; nil for
  /// losses that clip no input.
  static func clippedValues(_ loss: Loss) -> [Float]? {
    switch loss {
    case .binaryCrossentropy(false, _, _):
      // Outside [eps, 1 − 2⁻²³]: 0, 1e-8, 1 − 2⁻²⁴ and 1. (Not binary focal crossentropy: its focal
      // factor (1 − p_t)^γ reads the unclipped p, so its gradient does not vanish there.)
      [0, 1e-8, 1e-30, Float(1).nextDown, 1]
    case .klDivergence:
      // Outside [eps, 1].
      [0, 1e-8, 1e-30]
    case .meanSquaredLogarithmicError:
      // Below eps (max(p, eps)).
      [-5, -1e-30, 0, 1e-8]
    default:
      nil
    }
  }

  /// The gradient is 0 where the prediction was clipped.
  ///
  /// BCE clips probabilities to [eps, 1 − eps], KL divergence to
  /// [eps, 1], MSLE takes max(p, eps): outside, the loss does not depend on p (JAX's clip derivative
  /// is 0 there), so the exact gradient is 0 and a kernel must return 0 (within 8·2⁻¹⁴⁹, the
  /// allowance at an exact 0). Inputs are valid inputs with some predictions replaced by values
  /// strictly outside the range.
  static func zeroWhereClipped(_ loss: Loss, for candidate: Candidate, values: [Float]) -> LossProperty {
    let generator = LossInputs.valid(loss, for: candidate).flatMap { input in
      zip(Gen.bool.array(count: input.yPred.count), Gen.element(of: values).array(count: input.yPred.count)).map {
        replace, clipped in
        var input = input
        for k in replace.indices where replace[k] { input.yPred.scalars[k] = clipped[k] }
        return input
      }
    }
    let outside = Set(values)
    return LossProperty(
      name: "gradient is zero where the prediction is clipped",
      summary: "∇_k = 0 (within 8·2⁻¹⁴⁹) where p_k ∈ \(values) lies outside the loss's clip range",
      generator: generator
    ) { input, candidate, _ in
      let evaluation = try GradientEvaluation(loss, candidate, input)
      for k in evaluation.got.indices where outside.contains(input.yPred.scalars[k]) {
        guard evaluation.exact[k] == 0 || evaluation.exact[k].isNaN else {
          return "the reference gradient is \(evaluation.exact[k]) at the clipped element \(k) (p = \(input.yPred.scalars[k]))"
        }
        if evaluation.exact[k].isNaN { continue }
        if !(abs(Double(evaluation.got[k])) <= evaluation.allowance[k]) {
          return "gradient element \(k) is \(evaluation.got[k]) where p = \(input.yPred.scalars[k]) is clipped (expected 0)"
        }
      }
      return nil
    }
  }
}
