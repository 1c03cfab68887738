#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import LossReference
import PropertyCheck

/// The invariant properties of each loss: laws that hold for Keras's float32 semantics, stated
/// exactly as they hold under Keras's clipping, and checked on the candidate.
///
/// Each law is true of the exact value E of the loss on float32 inputs (the reference evaluated as
/// float32). A candidate is only expected to agree with E within the agreement allowance of
/// `Agreement`, A = 1·ulp(E) + 4u·S (u = 2⁻²⁴, S the condition scale Σ|terms|), so every law is
/// checked with that allowance on each candidate value it reads, and nothing more:
///
/// - a bound E ≥ L (or ≤ U) becomes got ≥ L − A;
/// - a law comparing the candidate with another loss evaluates the other loss with the reference as
///   float32 (a user's candidate implements one loss), exact to about 2⁻⁵⁰ relative, far below u;
///   where the law needs inputs that are not float32 numbers (smoothed labels, σ(x), α·y), the
///   rounding of those inputs to float32 moves the other side by an amount the law computes in
///   Double and adds to the allowance, or subtracts exactly;
/// - a law relating two values of the candidate (symmetry, scaling, permutation) allows A₁ + A₂.
///
/// Sign laws of losses whose terms are all non-negative (squares, |·|, max(·, 0), −log of a
/// probability ≤ 1, softplus) are checked with no allowance: rounding to nearest is monotone, so a
/// sum or mean of non-negative rounded terms, times non-negative weights, is never negative.
///
/// Per-sample laws read the candidate's per-sample values: with reduction `.none` when the candidate
/// has it (batches of 1–3 samples), otherwise with the candidate's first reduction on inputs of a
/// single sample, whose value under every reduction without weights is that sample's loss exactly
/// (Σ of one term, divided by 1). Shapes are small (rows of 1–6 classes) so a counterexample shrinks
/// to a few scalars.
enum Invariants {
  /// The invariant properties of `loss` that apply to `candidate`.
  static func properties(of loss: Loss, for candidate: Candidate) -> [LossProperty] {
    guard let probe = Probe(loss, candidate) else { return [] }
    switch loss {
    case .meanSquaredError, .meanAbsoluteError, .meanAbsolutePercentageError, .meanSquaredLogarithmicError,
      .huber, .logCosh, .cosineSimilarity:
      return regression(probe, candidate)
    case .klDivergence, .poisson:
      return divergence(probe, candidate)
    case .hinge, .squaredHinge, .categoricalHinge:
      return hinge(probe, candidate)
    case .binaryCrossentropy, .binaryFocalCrossentropy:
      return binaryCrossentropy(probe, candidate)
    case .categoricalCrossentropy, .categoricalFocalCrossentropy, .sparseCategoricalCrossentropy,
      .categoricalGeneralizedCrossEntropy:
      return categoricalCrossentropy(probe, candidate)
    case .dice, .tversky:
      return overlap(probe, candidate)
    case .ctc, .circle:
      return sequence(probe, candidate)
    }
  }

  /// u = 2⁻²⁴, the unit roundoff of Float.
  static let u = 0x1p-24
  /// Keras's float32 epsilon, Float(1e-7), widened.
  static let eps = DType.float32.epsilon
  /// Keras's float32 1 − epsilon, 1 − 2⁻²³.
  static let oneMinusEps = DType.float32.oneMinusEpsilon

  /// `x` as Keras holds an option in a float32 tensor.
  static func f32(_ x: Double) -> Double { Double(Float(x)) }
}

extension Invariants {
  // MARK: - Reading the candidate

  /// How the invariants read a candidate: the reduction they evaluate it with, and whether inputs may
  /// hold several samples.
  struct Probe: Sendable {
    /// The loss the candidate implements.
    let loss: Loss
    /// `.none` when the candidate has it, else its first reduction.
    let reduction: Reduction

    init?(_ loss: Loss, _ candidate: Candidate) {
      guard let reduction = candidate.reductions.contains(.none) ? Reduction.none : candidate.reductions.first else {
        return nil
      }
      self.loss = loss
      self.reduction = reduction
    }

    /// Samples per generated input: 1–3 with per-sample values, else exactly one.
    var batch: ClosedRange<Int> { reduction == .none ? 1...3 : 1...1 }

    /// The input the candidate is evaluated on.
    func input(_ yTrue: Tensor<Float>, _ yPred: Tensor<Float>) -> LossInput {
      LossInput(yTrue: yTrue, yPred: yPred, reduction: reduction)
    }

    /// The candidate's values on (y_true, y_pred), the exact values of the same loss, and the
    /// agreement allowance of each.
    func evaluate(_ candidate: Candidate, _ yTrue: Tensor<Float>, _ yPred: Tensor<Float>) throws -> Evaluation {
      try Evaluation(loss, candidate, input(yTrue, yPred))
    }

    /// The exact per-sample values of `other` (the reference as float32), in the order of the
    /// candidate's per-sample values.
    static func exact(_ other: Loss, _ yTrue: Tensor<Float>, _ yPred: Tensor<Float>) throws -> [Double] {
      try Reference.evaluate(
        other, yTrue: yTrue.map(Double.init), yPred: yPred.map(Double.init), reduction: .none, as: .float32
      ).scalars
    }
  }

  /// A candidate's values on one input with the exact values and the agreement allowance of each.
  struct Evaluation {
    /// The candidate's values (one per sample, or one reduced value).
    let got: [Float]
    /// The reference's values as float32 for the same input.
    let exact: [Double]
    /// 1·ulp(exact) + 4u·S per value, as in `Agreement`.
    let allowance: [Double]

    init(_ loss: Loss, _ candidate: Candidate, _ input: LossInput) throws {
      let exact = try input.referenceValue(of: loss).scalars
      let result: Tensor<Float>
      do {
        result = try candidate(loss, input)
      } catch {
        throw InvariantFailure("the candidate threw \(error) on a valid input")
      }
      guard result.count == exact.count else {
        throw InvariantFailure("the candidate returned \(result.count) values where the loss has \(exact.count)")
      }
      let scales = try ConditionScale.scales(loss, input)
      self.got = result.scalars
      self.exact = exact
      self.allowance = exact.indices.map { i in
        let scale = i < scales.count ? scales[i] : scales.last ?? 0
        let ulp = Agreement.ulpError(0, exact[i]).ulp
        return Agreement.ulpAllowance * ulp + Agreement.conditionAllowance * Agreement.unitRoundoff * scale
      }
    }
  }

  /// A failure found while evaluating a law (the candidate threw, or returned the wrong count).
  struct InvariantFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
  }

  // MARK: - Checking laws

  /// Checks of one law over the values of a case; each returns nil when the law holds, else a message.
  enum Law {
    /// got[i] ≥ lower[i] − slack[i] for every i (NaN fails).
    static func atLeast(_ got: [Float], _ lower: [Double], slack: [Double], _ law: String) -> String? {
      for i in got.indices where !(Double(got[i]) >= lower[i] - slack[i]) {
        return "\(law) fails\(at(i, got.count)): got \(got[i]), the bound is \(lower[i]) "
          + "(short by \(lower[i] - Double(got[i])); allowed \(slack[i]))"
      }
      return nil
    }

    /// got[i] ≤ upper[i] + slack[i] for every i (NaN fails).
    static func atMost(_ got: [Float], _ upper: [Double], slack: [Double], _ law: String) -> String? {
      for i in got.indices where !(Double(got[i]) <= upper[i] + slack[i]) {
        return "\(law) fails\(at(i, got.count)): got \(got[i]), the bound is \(upper[i]) "
          + "(over by \(Double(got[i]) - upper[i]); allowed \(slack[i]))"
      }
      return nil
    }

    /// |got[i] − expected[i]| ≤ slack[i] for every i where `applies` (NaN fails).
    static func near(
      _ got: [Float], _ expected: [Double], slack: [Double], _ law: String, applies: [Bool]? = nil
    ) -> String? {
      for i in got.indices where applies?[i] ?? true {
        let difference = abs(Double(got[i]) - expected[i])
        if !(difference <= slack[i]) {
          return "\(law) fails\(at(i, got.count)): got \(got[i]), expected \(expected[i]) "
            + "(off by \(difference); allowed \(slack[i]))"
        }
      }
      return nil
    }

    /// Two evaluations of the candidate whose exact values are equal (`sign` = 1) or opposite
    /// (`sign` = −1), each scaled by `scale`: |a − sign·scale·b| ≤ A_a + scale·A_b.
    static func related(
      _ a: Evaluation, _ b: Evaluation, scale: Double = 1, sign: Double = 1, _ law: String,
      applies: [Bool]? = nil
    ) -> String? {
      guard a.got.count == b.got.count else {
        return "\(law): the two evaluations returned \(a.got.count) and \(b.got.count) values"
      }
      let expected = b.got.map { sign * scale * Double($0) }
      let slack = zip(a.allowance, b.allowance).map { $0 + scale * $1 }
      return near(a.got, expected, slack: slack, law, applies: applies)
    }

    /// got[i] ≥ 0 exactly (no allowance; see `Invariants`).
    static func nonNegative(_ got: [Float], _ law: String) -> String? {
      for (i, value) in got.enumerated() where !(value >= 0) {
        return "\(law) fails\(at(i, got.count)): got \(value)"
      }
      return nil
    }

    private static func at(_ index: Int, _ count: Int) -> String {
      count == 1 ? "" : " at sample \(index)"
    }
  }

  // MARK: - Generated cases

  /// One generated case of a law: the two tensors and the law's own parameter (a scale, a
  /// permutation, ...), printed with its name.
  struct InvariantCase<Extra>: CustomStringConvertible, CounterexampleSized {
    var yTrue: Tensor<Float>
    var yPred: Tensor<Float>
    var extra: Extra
    /// The parameter's name in reports; empty for none.
    var label: String = ""

    var description: String {
      var lines = ["y_true = \(yTrue)", "y_pred = \(yPred)"]
      if !label.isEmpty { lines.append("\(label) = \(extra)") }
      return lines.joined(separator: "\n")
    }

    var scalarCount: Int { yTrue.count + yPred.count }
  }

  typealias Pair = InvariantCase<Void>
}

extension Invariants {
  /// A tensor generator from a shape.
  typealias Tensors = @Sendable ([Int]) -> Gen<TensorValue<Float>>

  static func values(in range: ClosedRange<Float>) -> Tensors {
    { shape in Gen.float(in: range).tensor(shape: shape) }
  }

  static func tensor(_ value: TensorValue<Float>) -> Tensor<Float> {
    LossInputs.tensor(value)
  }

  /// Shapes with `length` elements along the reduced `axis` and `batch` samples along one other
  /// axis (1 elsewhere): rank 2, or more when the axis needs it.
  static func rowShapes(axis: Int, length: ClosedRange<Int>, batch: ClosedRange<Int>) -> Gen<[Int]> {
    let rank = max(2, axis >= 0 ? axis + 1 : -axis)
    let reduced = axis >= 0 ? axis : rank + axis
    let batchAxis = reduced == 0 ? 1 : 0
    return zip(Gen.int(in: batch), Gen.int(in: length)).map { samples, classes in
      (0..<rank).map { $0 == reduced ? classes : $0 == batchAxis ? samples : 1 }
    }
  }

  /// Two tensors of one drawn shape.
  static func pairs(_ shapes: Gen<[Int]>, _ y: @escaping Tensors, _ p: @escaping Tensors) -> Gen<Pair> {
    shapes.flatMap { shape in
      zip(y(shape), p(shape)).map { y, p in Pair(yTrue: tensor(y), yPred: tensor(p), extra: ()) }
    }
  }

  /// A generated pair with a parameter.
  static func withExtra<Extra>(_ pairs: Gen<Pair>, _ extra: Gen<Extra>, label: String) -> Gen<InvariantCase<Extra>> {
    zip(pairs, extra).map { pair, extra in
      InvariantCase(yTrue: pair.yTrue, yPred: pair.yPred, extra: extra, label: label)
    }
  }

  /// Powers of two k ≥ 1: scaling by them is exact for the bounded inputs used here.
  static let powersOfTwo = Gen.element(of: [Float(2), 4, 16, 256])

  /// Permutations of `0..<n`, shrinking toward the identity: position i swaps with i − kᵢ.
  static func permutations(of n: Int) -> Gen<[Int]> {
    guard n > 1 else { return .constant(Array(0..<n)) }
    return Gen.int(in: 0...(n - 1)).array(count: n - 1).map { draws in
      var order = Array(0..<n)
      for i in 1..<n { order.swapAt(i, i - min(draws[i - 1], i)) }
      return order
    }
  }

  /// `x` with its elements permuted along `axis` by `order` (new[j] = old[order[j]]).
  static func permuted(_ x: Tensor<Float>, axis: Int, by order: [Int]) -> Tensor<Float> {
    let a = Shape.normalizedAxis(axis, rank: x.rank) ?? 0
    let inner = x.shape[(a + 1)...].reduce(1, *)
    let length = x.shape[a]
    var scalars = x.scalars
    for offset in 0..<x.count {
      let j = (offset / inner) % length
      scalars[offset] = x.scalars[offset + (order[j] - j) * inner]
    }
    return try! Tensor(shape: x.shape, scalars: scalars)
  }

  /// The flat offsets of each lane of `shape` along `axes` (all when nil), in the reference's order
  /// of per-sample values.
  static func lanes(_ shape: [Int], axes: [Int]?) -> [[Int]] {
    let reduced = Set((axes ?? Array(shape.indices)).compactMap { Shape.normalizedAxis($0, rank: shape.count) })
    let kept = shape.indices.filter { !reduced.contains($0) }
    let reducedAxes = shape.indices.filter { reduced.contains($0) }
    let strides = Shape.strides(shape)
    let laneCount = kept.reduce(1) { $0 * shape[$1] }
    let length = reducedAxes.reduce(1) { $0 * shape[$1] }
    return (0..<laneCount).map { lane in
      var base = 0
      var rest = lane
      for axis in kept.reversed() {
        base += (rest % shape[axis]) * strides[axis]
        rest /= shape[axis]
      }
      return (0..<length).map { j in
        var offset = base
        var rest = j
        for axis in reducedAxes.reversed() {
          offset += (rest % shape[axis]) * strides[axis]
          rest /= shape[axis]
        }
        return offset
      }
    }
  }

  /// Per-lane means along `axis` of a per-element Double quantity.
  static func laneMeans(_ shape: [Int], axis: Int, _ values: [Double]) -> [Double] {
    lanes(shape, axes: [axis]).map { lane in lane.reduce(0) { $0 + values[$1] } / Double(lane.count) }
  }

  /// Per-lane sums along `axis` of a per-element Double quantity.
  static func laneSums(_ shape: [Int], axis: Int, _ values: [Double]) -> [Double] {
    lanes(shape, axes: [axis]).map { lane in lane.reduce(0) { $0 + values[$1] } }
  }

  /// log(1 + eˣ) without overflow.
  static func softplus(_ x: Double) -> Double {
    max(x, 0) + log1p(exp(-abs(x)))
  }

  /// The log-softmax of a row, in Double.
  static func logSoftmax(_ row: [Double]) -> [Double] {
    let m = row.max() ?? 0
    let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
    return row.map { $0 - lse }
  }

  /// clip(p / Σp, eps, 1 − eps) of a row, in Double: Keras's probability path.
  static func clippedNormalized(_ row: [Double]) -> [Double] {
    let total = row.reduce(0, +)
    return row.map { min(max($0 / total, eps), oneMinusEps) }
  }
}
