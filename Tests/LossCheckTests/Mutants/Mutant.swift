import Foundation
import LossCheck
import LossCore
import PropertyCheck
import Testing

/// A deliberately broken Float32 kernel for the mutation self-test of `verify`.
///
/// Each mutant is a small kernel in plain Swift loops with one plausible bug, written the way a
/// kernel author might get it wrong (a wrong constant, a missing clip, an unstable formula, a wrong
/// divisor), not the correct answer with noise added. `fixed` is the same kernel with only that bug
/// removed: `verify` must pass it, which shows that the mutant is caught for its bug and not for an
/// inaccuracy elsewhere in the kernel.
///
/// The kernels read Float inputs, do the arithmetic the bug is not about in Double (as the module's
/// own kernels carry per-sample losses and sums in Double), and round the result to Float once.
struct Mutant: Sendable, CustomTestStringConvertible {
  /// A short name, e.g. `BCE eps 1e-8`.
  let name: String
  /// The loss and options the kernel implements.
  let loss: Loss
  /// The bug, and what input shows it.
  let bug: String
  /// The broken kernel.
  let candidate: Candidate
  /// The same kernel with the bug removed.
  let fixed: Candidate
  /// The fewest scalars (y_true + y_pred + weights) of an input that shows the bug; the test
  /// requires the shrunk counterexample of the first failing property to be no larger.
  let smallestCounterexample: Int
  /// The most scalars the first failing property's shrunk counterexample may have: 4, or the
  /// smallest possible size (or a documented `bound`) where the bug needs more.
  let counterexampleBound: Int
  /// What verify should conclude.
  let expectation: Expectation

  enum Expectation: Sendable {
    /// verify must catch the bug.
    case caught
    /// The bug changes no Float result: an equivalent mutant, which verify must (and can only) pass.
    case equivalent(why: String)
    /// A real bug the suite does not catch yet; `property` names what should catch it.
    case missed(property: String)
  }

  /// The seed of every run of this mutant: fixed, so the test is deterministic.
  static let seed = Seed(0x4D55_5441_4E54_5331)

  var testDescription: String { name }

  /// A mutant and its fixed twin built from one kernel with a `buggy` switch.
  init(
    _ name: String, _ loss: Loss, bug: String, smallest: Int, bound: Int? = nil,
    expectation: Expectation = .caught,
    reductions: [Reduction] = [.sumOverBatchSize], weights: Bool = false,
    kernel: @escaping @Sendable (_ buggy: Bool, _ loss: Loss, _ input: LossInput) throws -> Tensor<Float>
  ) {
    self.name = name
    self.loss = loss
    self.bug = bug
    self.smallestCounterexample = smallest
    self.counterexampleBound = bound ?? max(4, smallest)
    self.expectation = expectation
    candidate = Candidate(
      name: name, reductions: reductions, acceptsSampleWeights: weights, validatesInput: false
    ) { loss, input in try kernel(true, loss, input) }
    fixed = Candidate(
      name: name + " (fixed)", reductions: reductions, acceptsSampleWeights: weights, validatesInput: false
    ) { loss, input in try kernel(false, loss, input) }
  }
}

extension Mutant {
  /// Every mutant of the self-test, family by family.
  static let all: [Mutant] =
    crossentropy + regression + reduction + probabilistic + hinge + cosine + ctc

  /// The mutant called `name` (exit tests capture the name, not the kernel).
  static func named(_ name: String) -> Mutant {
    guard let mutant = all.first(where: { $0.name == name }) else { fatalError("no mutant named \(name)") }
    return mutant
  }
}

// MARK: - Plain-Swift building blocks shared by the mutant kernels

/// A tensor read as rows along its last axis: `rows` contiguous lanes of `length` scalars.
struct Rows {
  /// The number of rows (the per-sample losses).
  let count: Int
  /// The extent of the last axis.
  let length: Int
  /// The shape of the per-sample losses: the input shape without its last axis.
  let sampleShape: [Int]

  init(_ shape: [Int]) {
    length = shape.last ?? 1
    sampleShape = Array(shape.dropLast())
    count = sampleShape.reduce(1, *)
  }

  /// The scalar offsets of row `row`.
  func offsets(_ row: Int) -> Range<Int> {
    (row * length)..<((row + 1) * length)
  }
}

/// Keras's float32 `epsilon()` and `1 − epsilon()`: 1.0000000116860974e-07 and 1 − 2⁻²³.
let epsilon = Float(1e-7)
let oneMinusEpsilon = 1 - Float(1e-7)

/// `min(max(x, low), high)`.
func clip(_ x: Double, _ low: Double, _ high: Double) -> Double {
  min(max(x, low), high)
}

/// Keras's `reduce_weighted_values` (spec §3), written out: the per-sample `values` (of `shape`),
/// times the weights (one per value, or one for all), masked, then reduced. Divisions are
/// `divide_no_nan`; a scalar per-sample loss is returned as it is.
func kerasReduce(
  _ values: [Double], shape: [Int], weights: Tensor<Float>?, mask: [Bool]? = nil, reduction: Reduction
) -> Tensor<Float> {
  let n = values.count
  var w = (0..<n).map { i in weights.map { Double($0.scalars[$0.count == 1 ? 0 : i]) } ?? 1 }
  if let mask {
    let valid = mask.filter { $0 }.count
    let inside = (reduction == .sumOverBatchSize || reduction == .mean) ? (valid == 0 ? 0 : Double(n) / Double(valid)) : 1
    for i in 0..<n { w[i] *= mask[i] ? inside : 0 }
  }
  let weighted = (0..<n).map { values[$0] * w[$0] }
  if reduction == .none || shape == [] {
    return Tensor(shape: shape, rounding: weighted)
  }
  var total = 0.0
  for x in weighted { total += x }
  switch reduction {
  case .sum, .none:
    return Tensor(scalar: Float(total))
  case .sumOverBatchSize, .mean:
    return Tensor(scalar: n == 0 ? 0 : Float(total / Double(n)))
  case .meanWithSampleWeight:
    var divisor = 0.0
    if weights != nil || mask != nil {
      for x in w { divisor += x }
    } else {
      divisor = Double(n)
    }
    return Tensor(scalar: divisor == 0 ? 0 : Float(total / divisor))
  }
}

extension Tensor<Float> {
  /// A Float tensor of `shape` from Double values, each rounded once.
  init(shape: [Int], rounding values: [Double]) {
    // The shapes come from the kernels' own row counts, so they always match.
    try! self.init(shape: shape, scalars: values.map { Float($0) })
  }
}

/// Per-row values of a loss that reduces the last axis: `row` gets the row's y and p scalars.
func perRow(
  _ input: LossInput, _ row: (_ y: ArraySlice<Float>, _ p: ArraySlice<Float>) -> Double
) -> (values: [Double], shape: [Int]) {
  let rows = Rows(input.yPred.shape)
  let values = (0..<rows.count).map { r in
    row(input.yTrue.scalars[rows.offsets(r)], input.yPred.scalars[rows.offsets(r)])
  }
  return (values, rows.sampleShape)
}

/// A row loss reduced the Keras way: `perRow` then `kerasReduce`.
func rowLoss(
  _ input: LossInput, mask: [Bool]? = nil, _ row: (_ y: ArraySlice<Float>, _ p: ArraySlice<Float>) -> Double
) -> Tensor<Float> {
  let (values, shape) = perRow(input, row)
  return kerasReduce(values, shape: shape, weights: input.sampleWeight, mask: mask, reduction: input.reduction)
}

/// The mean of `count` terms given by `term(j)`, summed in Double.
func mean(_ count: Int, _ term: (Int) -> Double) -> Double {
  var total = 0.0
  for j in 0..<count { total += term(j) }
  return total / Double(count)
}
