import LossCore
import LossReference
import PropertyCheck

/// The laws of Keras's batch reduction (`reduce_weighted_values`, spec §3), checked on the
/// candidate's own results: each law compares two of the candidate's answers that are equal in exact
/// arithmetic, so it needs no reference value and holds for every loss and option.
///
/// Notation: l the per-sample losses (after the loss's own reduction), w the sample weights (one per
/// sample), m the mask (SCCE's `ignore_class`, circle's l > 0; all ones otherwise), n the number of
/// per-sample losses and N_valid = Σm. A loss whose per-sample result is a scalar (dice and tversky
/// over all axes, a rank-1 input of a row loss) is returned as l·w by every reduction.
///
/// The laws, each stated only when the candidate has the reductions it names:
/// - `sum` = `sum_over_batch_size` × N_valid (N_valid = n without a mask: the element count, not the
///   batch size);
/// - Σ `none` = `sum`;
/// - `mean` = `sum_over_batch_size`;
/// - `mean_with_sample_weight` with w = 1 = `sum_over_batch_size` without weights;
/// - `mean_with_sample_weight` × Σ(w·m) = `sum` (with weights);
/// - `sum` with 2w = 2 × `sum` with w; `mean_with_sample_weight` with 2w = with w;
/// - a zero weight removes its sample: `sum`(w) = `sum`(w with wᵢ = 0) + `sum`(wᵢ alone), and for a
///   finite lᵢ (NaN·0 is NaN, as in Keras) `none` is 0 there and `sum`(w with wᵢ = 0) equals the
///   other samples' `none` values summed;
/// - SCCE's `ignore_class` equals dropping those entries: `sum` and `sum_over_batch_size` with the
///   ignored labels equal those of SCCE without `ignore_class` on the remaining entries.
///
/// The bound. Two results that agree in exact arithmetic are each a Float rounding of a sum of n
/// per-sample values, and each per-sample value may itself be off by the agreement bound (1 ULP +
/// 4u·sᵢ ≤ 6u·sᵢ, with sᵢ ≥ |lᵢ| the condition scale of `ConditionScale`). Recursive Float summation
/// adds at most (n − 1)u·Σ|wᵢ|sᵢ, so each side is within (n + 6)u·S of the exact value, S = Σ|wᵢ|sᵢ
/// (the condition scale of the `sum`), and the two within 2(n + 6)u·S plus one ULP of each
/// result. u = 2⁻²⁴. Kernels that sum in Double meet this with a wide margin; a wrong divisor or an
/// ignored weight misses it by a factor, not a rounding.
enum ReductionLaws {
  static func properties(of loss: Loss, for candidate: Candidate) -> [LossProperty] {
    let has = Set(candidate.reductions)
    let weights = candidate.acceptsSampleWeights
    var properties = [LossProperty]()
    if has.contains(.sum) && has.contains(.sumOverBatchSize) {
      properties.append(sumIsMeanTimesCount(loss, weighted: weights))
    }
    if has.contains(.sum) && has.contains(.none) {
      properties.append(noneSumsToSum(loss, weighted: weights))
    }
    if has.contains(.mean) && has.contains(.sumOverBatchSize) {
      properties.append(meanIsSumOverBatchSize(loss, weighted: weights))
    }
    if weights && has.contains(.meanWithSampleWeight) {
      if let plain = [Reduction.sumOverBatchSize, .mean].first(where: has.contains) {
        properties.append(unitWeightsGiveTheMean(loss, plain: plain))
      }
      if has.contains(.sum) { properties.append(weightedMeanTimesTotalWeightIsSum(loss)) }
      properties.append(weightedMeanIgnoresWeightScale(loss))
    }
    if weights && has.contains(.sum) {
      properties.append(doublingWeightsDoublesSum(loss))
      properties.append(zeroWeightRemovesSample(loss, withNone: has.contains(.none)))
    }
    if case .sparseCategoricalCrossentropy(_, let ignoreClass?, let axis) = loss, axis == -1,
      has.contains(.sum) || has.contains(.sumOverBatchSize)
    {
      properties.append(ignoreClassDropsEntries(loss, ignoreClass: ignoreClass, candidate: candidate))
    }
    return properties
  }

  // MARK: - The laws

  static func sumIsMeanTimesCount(_ loss: Loss, weighted: Bool) -> LossProperty {
    LossProperty(
      name: "sum = sum_over_batch_size × element count",
      summary: "sum = sum_over_batch_size·N, N the element count of the per-sample losses (not the batch "
        + "size); with a mask (ignore_class, circle) N = the valid count. Bound 2(n + 6)u·Σ|w|s + ULPs",
      generator: inputs(loss, weighted: weighted)
    ) { value, candidate, _ in
      let context = try LawContext(loss, value)
      let sum = try scalar(candidate, loss, value.input(.sum))
      let mean = try scalar(candidate, loss, value.input(.sumOverBatchSize))
      let count = context.isScalar ? 1 : context.meanDivisor
      return compare(
        sum, count * Double(mean), "sum", "sum_over_batch_size × \(count)",
        allowed: ulp(sum) + count * ulp(mean) + context.bound(sides: 2))
    }
  }

  static func noneSumsToSum(_ loss: Loss, weighted: Bool) -> LossProperty {
    LossProperty(
      name: "none sums to sum",
      summary: "Σ of the `none` tensor (weighted and masked) = sum. Bound 2(n + 6)u·Σ|w|s + ULPs",
      generator: inputs(loss, weighted: weighted)
    ) { value, candidate, _ in
      let context = try LawContext(loss, value)
      let none = try candidate(loss, value.input(.none))
      let sum = try scalar(candidate, loss, value.input(.sum))
      guard none.shape == context.shape else {
        return "`none` has shape \(none.shape), the per-sample losses have \(context.shape)"
      }
      let total = none.scalars.reduce(0.0) { $0 + Double($1) }
      let ulps = none.scalars.reduce(ulp(sum)) { $0 + ulp($1) }
      return compare(sum, total, "sum", "Σ none", allowed: ulps + context.bound(sides: 2))
    }
  }

  static func meanIsSumOverBatchSize(_ loss: Loss, weighted: Bool) -> LossProperty {
    LossProperty(
      name: "mean = sum_over_batch_size",
      summary: "mean and sum_over_batch_size are the same reduction (keras#18818). "
        + "Bound 2(n + 6)u·Σ|w|s/N + ULPs",
      generator: inputs(loss, weighted: weighted)
    ) { value, candidate, _ in
      let context = try LawContext(loss, value)
      let mean = try scalar(candidate, loss, value.input(.mean))
      let batch = try scalar(candidate, loss, value.input(.sumOverBatchSize))
      return compare(
        mean, Double(batch), "mean", "sum_over_batch_size",
        allowed: ulp(mean) + ulp(batch) + context.bound(sides: 2) / context.divisor)
    }
  }

  static func unitWeightsGiveTheMean(_ loss: Loss, plain: Reduction) -> LossProperty {
    LossProperty(
      name: "unit weights leave mean_with_sample_weight equal to the mean",
      summary: "mean_with_sample_weight with w = 1 = \(plain.rawValue) without weights (the mean over "
        + "the valid entries). Bound 2(n + 6)u·Σs/N + ULPs",
      generator: inputs(loss, weighted: false)
    ) { value, candidate, _ in
      var unit = value
      unit.weights = try Tensor(shape: value.sampleShape, scalars: Array(repeating: 1, count: value.sampleCount))
      let context = try LawContext(loss, value)
      let weighted = try scalar(candidate, loss, unit.input(.meanWithSampleWeight))
      let mean = try scalar(candidate, loss, value.input(plain))
      return compare(
        weighted, Double(mean), "mean_with_sample_weight (w = 1)", plain.rawValue,
        allowed: ulp(weighted) + ulp(mean) + context.bound(sides: 2) / context.divisor)
    }
  }

  static func weightedMeanTimesTotalWeightIsSum(_ loss: Loss) -> LossProperty {
    LossProperty(
      name: "mean_with_sample_weight × Σ(w·m) = sum",
      summary: "mean_with_sample_weight·Σ(w·m) = sum (0 when Σ(w·m) = 0: divide_no_nan); a scalar "
        + "per-sample loss is returned as l·w by both. Bound 2(n + 6)u·Σ|w|s + nu·|sum| + ULPs",
      generator: inputs(loss, weighted: true)
    ) { value, candidate, _ in
      let context = try LawContext(loss, value)
      let weighted = try scalar(candidate, loss, value.input(.meanWithSampleWeight))
      let sum = try scalar(candidate, loss, value.input(.sum))
      if context.isScalar {
        return compare(
          weighted, Double(sum), "mean_with_sample_weight of a scalar loss", "its sum",
          allowed: ulp(weighted) + ulp(sum) + context.bound(sides: 2))
      }
      let total = context.validWeight
      if total == 0 {
        return weighted == 0 ? nil : "Σ(w·m) = 0, so mean_with_sample_weight is 0 (divide_no_nan); got \(weighted)"
      }
      let n = Double(context.count)
      return compare(
        sum, total * Double(weighted), "sum", "mean_with_sample_weight × Σ(w·m) = \(Float(total))",
        allowed: ulp(sum) + total * ulp(weighted) + context.bound(sides: 2) + n * unit * abs(Double(sum)))
    }
  }

  static func weightedMeanIgnoresWeightScale(_ loss: Loss) -> LossProperty {
    LossProperty(
      name: "mean_with_sample_weight is unchanged when the weights double",
      summary: "mean_with_sample_weight(2w) = mean_with_sample_weight(w) (a scalar per-sample loss: "
        + "l·2w = 2·l·w). Bound 2(n + 6)u·Σ|w|s/Σw + ULPs",
      generator: inputs(loss, weighted: true)
    ) { value, candidate, _ in
      let context = try LawContext(loss, value)
      let once = try scalar(candidate, loss, value.input(.meanWithSampleWeight))
      let twice = try scalar(candidate, loss, value.scaled(by: 2).input(.meanWithSampleWeight))
      let factor = context.isScalar ? 2.0 : 1.0
      let divisor = context.isScalar ? 1 : Swift.max(context.validWeight, .leastNonzeroMagnitude)
      return compare(
        twice, factor * Double(once), "mean_with_sample_weight(2w)",
        context.isScalar ? "2 × mean_with_sample_weight(w)" : "mean_with_sample_weight(w)",
        allowed: ulp(twice) + factor * ulp(once) + factor * context.bound(sides: 2) / divisor)
    }
  }

  static func doublingWeightsDoublesSum(_ loss: Loss) -> LossProperty {
    LossProperty(
      name: "sum is linear in the weights (2w doubles it)",
      summary: "sum(2w) = 2·sum(w). Doubling is exact in binary floating point, so a candidate that sums "
        + "in a fixed order meets it exactly; bound 2(n + 6)u·Σ|w|s + ULPs",
      generator: inputs(loss, weighted: true)
    ) { value, candidate, _ in
      let context = try LawContext(loss, value)
      let once = try scalar(candidate, loss, value.input(.sum))
      let twice = try scalar(candidate, loss, value.scaled(by: 2).input(.sum))
      return compare(
        twice, 2 * Double(once), "sum(2w)", "2 × sum(w)",
        allowed: ulp(twice) + 2 * ulp(once) + 2 * context.bound(sides: 2))
    }
  }

  static func zeroWeightRemovesSample(_ loss: Loss, withNone: Bool) -> LossProperty {
    LossProperty(
      name: "a zero weight removes its sample",
      summary: "with wᵢ = 0: sum(w) = sum(w with wᵢ = 0) + sum(wᵢ at i, 0 elsewhere)"
        + (withNone ? "; for a finite lᵢ, `none` is 0 at i and sum(w with wᵢ = 0) = Σ_{j≠i} none(w)_j "
          + "(NaN·0 is NaN, as in Keras)" : "")
        + ". Bound 3(n + 6)u·Σ|w|s + ULPs",
      generator: inputs(loss, weighted: true)
    ) { value, candidate, _ in
      let context = try LawContext(loss, value)
      let i = value.index
      var removed = value
      removed.weights!.scalars[i] = 0
      var alone = value
      alone.weights!.scalars = value.weights!.scalars.indices.map { $0 == i ? value.weights!.scalars[i] : 0 }
      let full = try scalar(candidate, loss, value.input(.sum))
      let without = try scalar(candidate, loss, removed.input(.sum))
      let only = try scalar(candidate, loss, alone.input(.sum))
      if let failure = compare(
        full, Double(without) + Double(only), "sum(w)", "sum(w with w[\(i)] = 0) + sum(w[\(i)] alone)",
        allowed: ulp(full) + ulp(without) + ulp(only) + context.bound(sides: 3))
      {
        return failure
      }
      // NaN·0 is NaN (as in Keras): only a finite sample's loss is removed.
      guard withNone, !context.isScalar, context.weightsAlign, context.values[i].isFinite else { return nil }
      let noneRemoved = try candidate(loss, removed.input(.none))
      let noneFull = try candidate(loss, value.input(.none))
      guard noneRemoved.shape == context.shape, noneFull.shape == context.shape else {
        return "`none` has shape \(noneRemoved.shape), the per-sample losses have \(context.shape)"
      }
      guard noneRemoved.scalars[i] == 0 else {
        return "`none` with w[\(i)] = 0 is \(noneRemoved.scalars[i]) at \(i), not 0"
      }
      let others = noneFull.scalars.indices.filter { $0 != i }
      let total = others.reduce(0.0) { $0 + Double(noneFull.scalars[$1]) }
      let ulps = others.reduce(ulp(without)) { $0 + ulp(noneFull.scalars[$1]) }
      return compare(
        without, total, "sum(w with w[\(i)] = 0)", "Σ_{j≠\(i)} none(w)_j", allowed: ulps + context.bound(sides: 2))
    }
  }

  static func ignoreClassDropsEntries(_ loss: Loss, ignoreClass: Int, candidate: Candidate) -> LossProperty {
    let fromLogits = loss.isFromLogits
    let plain = Loss.sparseCategoricalCrossentropy(fromLogits: fromLogits, ignoreClass: nil)
    let reductions = [Reduction.sum, .sumOverBatchSize].filter(candidate.reductions.contains)
    return LossProperty(
      name: "ignore_class equals dropping those entries",
      summary: "sum and sum_over_batch_size with labels = \(ignoreClass) equal those of SCCE without "
        + "ignore_class on the remaining entries (weights kept with their entries); with no entry left "
        + "both are 0. Bound 2(n + 6)u·Σ|w|s + ULPs",
      generator: inputs(loss, weighted: candidate.acceptsSampleWeights)
    ) { value, candidate, _ in
      let context = try LawContext(loss, value)
      let classes = value.yPred.shape.last ?? 1
      let keep = value.yTrue.scalars.indices.filter { value.yTrue.scalars[$0] != Float(ignoreClass) }
      var remaining = value
      remaining.yTrue = Tensor(keep.map { value.yTrue.scalars[$0] })
      remaining.yPred = try Tensor(
        shape: [keep.count, classes],
        scalars: keep.flatMap { value.yPred.scalars[($0 * classes)..<(($0 + 1) * classes)] })
      remaining.weights = value.weights.map { w in Tensor(keep.map { w.scalars[$0] }) }
      for reduction in reductions {
        let full = try scalar(candidate, loss, value.input(reduction))
        if keep.isEmpty {
          guard full == 0 else { return "every entry is ignored, so \(reduction.rawValue) is 0; got \(full)" }
          continue
        }
        let dropped = try scalar(candidate, plain, remaining.input(reduction))
        let divisor = reduction == .sum ? 1 : Double(keep.count)
        if let failure = compare(
          full, Double(dropped), "\(reduction.rawValue) with ignore_class",
          "\(reduction.rawValue) of the \(keep.count) remaining entries without it",
          allowed: ulp(full) + ulp(dropped) + context.bound(sides: 2) / divisor)
        {
          return failure
        }
      }
      return nil
    }
  }

  // MARK: - Inputs

  /// One input of the laws: the tensors, optional per-sample weights and a sample index.
  struct Input: CustomStringConvertible, CounterexampleSized, Sendable {
    var yTrue: Tensor<Float>
    var yPred: Tensor<Float>
    var weights: Tensor<Float>?
    /// The shape of the per-sample losses (of the weights).
    var sampleShape: [Int]
    /// A sample, for the laws about one sample.
    var index: Int

    var sampleCount: Int { sampleShape.reduce(1, *) }
    var scalarCount: Int { yTrue.count + yPred.count + (weights?.count ?? 0) }

    func input(_ reduction: Reduction) -> LossInput {
      LossInput(yTrue: yTrue, yPred: yPred, sampleWeight: weights, reduction: reduction)
    }

    func scaled(by factor: Float) -> Input {
      var copy = self
      copy.weights = weights?.map { $0 * factor }
      return copy
    }

    var description: String {
      var lines = ["y_true = \(yTrue)", "y_pred = \(yPred)"]
      if let weights { lines.append("sample_weight = \(weights)") }
      lines.append("sample index = \(index)")
      return lines.joined(separator: "\n")
    }
  }

  /// Valid inputs of `loss` (the agreement generator's tensors), with weights of the per-sample shape
  /// when `weighted`, and a sample index.
  static func inputs(_ loss: Loss, weighted: Bool) -> Gen<Input> {
    validTensors(loss).flatMap { yTrue, yPred, sampleShape in
      let shape = sampleShape ?? []
      let count = shape.reduce(1, *)
      let index = Gen.int(in: 0...Swift.max(count - 1, 0))
      guard weighted else {
        return index.map { Input(yTrue: yTrue, yPred: yPred, weights: nil, sampleShape: shape, index: $0) }
      }
      return zip(LossInputs.weights.tensor(shape: shape), index).map { weights, index in
        Input(
          yTrue: yTrue, yPred: yPred, weights: LossInputs.tensor(weights), sampleShape: shape, index: index)
      }
    }
  }

  /// `LossInputs.tensors(loss)` without the inputs the reference rejects: generalized crossentropy
  /// with one class and labels of rank ≥ 2 (y_true (B, T), y_pred (B, T, 1): Keras's rank alignment
  /// squeezes y_pred, and the one-hot labels no longer broadcast against it).
  static func validTensors(_ loss: Loss) -> Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> {
    guard case .categoricalGeneralizedCrossEntropy = loss else { return LossInputs.tensors(loss) }
    return LossInputs.tensors(loss).filter { _, yPred, _ in !(yPred.rank >= 3 && yPred.shape.last == 1) }
  }

  /// What the laws need from the reference: the shape of l·w, the mask and the condition scale.
  struct LawContext {
    /// The shape of l·w (the `none` result): the per-sample shape, broadcast against the weights.
    let shape: [Int]
    /// Its element count: `sum_over_batch_size`'s divisor without a mask.
    let count: Int
    let validCount: Int
    /// `sum_over_batch_size`'s divisor: the element count of l·w, or with a mask (whose valid
    /// entries weigh total/valid) count·valid/total — the valid count when the shapes agree.
    let meanDivisor: Double
    /// `mean_with_sample_weight`'s divisor Σ(w·m): the weights as given without a mask (Keras sums
    /// them before broadcasting), broadcast against the mask with one; n without weights.
    let validWeight: Double
    /// Σ|w|·s over the valid samples: the condition scale of the `sum`.
    let scale: Double
    /// Whether the weights have the per-sample shape, so that a sample index is a weight index.
    let weightsAlign: Bool
    /// The reference's per-sample losses.
    let values: [Double]

    init(_ loss: Loss, _ input: Input) throws {
      let y = input.yTrue.map(Double.init)
      let p = input.yPred.map(Double.init)
      let (values, mask) = try Reference.unreducedLosses(loss, yTrue: y, yPred: p, as: .float32)
      let w = input.weights?.map(Double.init)
      var productShape = values.shape
      if let w {
        let (a, b) = Shape.alignRanks(values.shape, w.shape)
        productShape = Shape.broadcast(a, b) ?? values.shape
      }
      self.values = values.scalars
      shape = productShape
      count = productShape.reduce(1, *)
      weightsAlign = w.map { $0.shape == values.shape } ?? true
      if let mask {
        validCount = mask.lazy.filter { $0 }.count
        meanDivisor = Double(count) * Double(validCount) / Double(Swift.max(mask.count, 1))
        let maskTensor = try Tensor(shape: values.shape, scalars: mask.map { $0 ? 1.0 : 0 })
        validWeight = LawContext.broadcastProduct(w ?? maskTensor, maskTensor).reduce(0, +)
      } else {
        validCount = count
        meanDivisor = Double(count)
        validWeight = w.map { $0.scalars.reduce(0, +) } ?? Double(count)
      }
      scale = try ConditionScale.scales(loss, input.input(.sum)).reduce(0) { $0 + abs($1) }
    }

    /// a·b after Keras's rank alignment, with broadcasting (the scalars of the product).
    static func broadcastProduct(_ a: Tensor<Double>, _ b: Tensor<Double>) -> [Double] {
      let (aShape, bShape) = Shape.alignRanks(a.shape, b.shape)
      guard let shape = Shape.broadcast(aShape, bShape) else { return [] }
      let aIndices = Shape.broadcastIndices(from: aShape, to: shape)
      let bIndices = Shape.broadcastIndices(from: bShape, to: shape)
      return zip(aIndices, bIndices).map { a.scalars[$0] * b.scalars[$1] }
    }

    /// Whether the result is a scalar, which every reduction returns as l·w.
    var isScalar: Bool { shape == [] }

    /// `sum_over_batch_size`'s divisor for the bounds (1 for a scalar loss or when nothing is valid).
    var divisor: Double { isScalar ? 1 : Swift.max(meanDivisor, 1) }

    /// (n + 6)u·S for each of `sides` results computed from the n per-sample values, plus the least
    /// normal Float per value (a product l·w may underflow).
    func bound(sides: Int) -> Double {
      Double(sides) * (Double(count + 6) * unit * scale + Double(count) * Double(Float.leastNormalMagnitude))
    }
  }

  // MARK: - Arithmetic

  static let unit = 0x1p-24

  /// The candidate's result, which must be a single scalar.
  static func scalar(_ candidate: Candidate, _ loss: Loss, _ input: LossInput) throws -> Float {
    let result = try candidate(loss, input)
    guard result.count == 1 else {
      throw LawFailure(
        message: "\(input.reduction.rawValue) returned shape \(result.shape), not a single value")
    }
    return result.scalars[0]
  }

  /// One ULP of a Float result (of the greatest finite Float for ±∞, 0 for NaN).
  static func ulp(_ x: Float) -> Double {
    guard !x.isNaN else { return 0 }
    return Double(x.isFinite ? x.ulp : Float.greatestFiniteMagnitude.ulp)
  }

  /// nil when |a − b| ≤ allowed; non-finite values must be identical (NaN with NaN).
  static func compare(_ a: Float, _ b: Double, _ nameA: String, _ nameB: String, allowed: Double) -> String? {
    if !a.isFinite || !b.isFinite {
      if a.isNaN && b.isNaN { return nil }
      return Double(a) == b ? nil : "\(nameA) = \(a) but \(nameB) = \(b)"
    }
    let difference = abs(Double(a) - b)
    guard difference <= allowed else {
      return "\(nameA) = \(a) but \(nameB) = \(b): they differ by \(difference), more than the bound \(allowed)"
    }
    return nil
  }
}

/// A law that could not even be evaluated (a result of the wrong shape).
struct LawFailure: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
