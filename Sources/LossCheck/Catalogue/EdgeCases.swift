#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import LossReference
import PropertyCheck

/// Epsilon clipping and numerical edge cases: the exact float32 constants Keras's clipping produces,
/// logits far out in the tails, subnormal inputs and all-zero rows.
///
/// Two kinds of property:
/// - **Constants** (`EdgeCases+Constants.swift`): inputs whose per-sample value is known in closed
///   form from the clip bounds, e.g. BCE(y = 1, p ≤ eps) = −log(eps) = 16.118095. The expected value
///   is the project's float32 semantics — Keras's float32 constants (`Float(1e-7)`, `1 − 2⁻²³`) with
///   the arithmetic exact (Double) — written as a formula in this file, independent of the reference.
/// - **Edges against the reference** (`EdgeCases+Reference.swift`): generated inputs at the clip
///   bounds, at logits of ±1e4 and with subnormal values, compared with the reference evaluated as
///   float32 under the agreement bound, and required to be finite wherever the reference is.
///
/// Only float32 is in scope: the candidate is a Float32 kernel. The float64 constants (both BCE
/// extremes ≈ 16.1180957) are the reference's concern and are tested with it.
///
/// The bound of a constant E with condition scale S (Σ|terms| of the value, see each property):
/// |got − E| ≤ 2·ulp(Float(E)) + (3 + n)·u·S + 2⁻¹²⁶. Two ULPs: the kernels' vectorised log/exp are
/// within one ULP and the final rounding adds half of one. (3 + n)·u·S: a Float evaluation of a few
/// operations, and the summation of n per-sample values when the result is reduced. 2⁻¹²⁶ (the
/// least normal Float): a value that underflows may flush to zero, as Keras's float32 does (BCE from
/// logits at x = 100, y = 1 is 3.7e-44 exactly and 0 in Keras). NaN must be NaN.
enum EdgeCases {
  static func properties(of loss: Loss, for candidate: Candidate) -> [LossProperty] {
    let reductions = candidate.reductions
    return constants(of: loss, reductions: reductions) + againstReference(of: loss, reductions: reductions)
  }

  // MARK: - Inputs with known values

  /// A generated edge input with the value of each sample known.
  struct Known: CustomStringConvertible, CounterexampleSized, Sendable {
    var input: LossInput
    /// The shape of the per-sample losses.
    var sampleShape: [Int]
    /// The exact value of each per-sample loss (row-major), NaN where Keras gives NaN.
    var expected: [Double]
    /// Σ|terms| of each per-sample loss: the magnitude its rounding error is measured against.
    var scales: [Double]
    /// The entries that count in the reduction (SCCE's ignore_class, circle's l > 0); nil for all.
    var mask: [Bool]? = nil

    var scalarCount: Int { input.scalarCount }

    var description: String {
      input.description + "\nexpected per-sample losses = \(expected.map { Float($0) })"
    }
  }

  /// One sample of a row loss: the row of `y_true` and `y_pred` along the reduced axis, its exact
  /// value and scale.
  struct Row: Sendable {
    var y: [Float]
    var p: [Float]
    var value: Double
    var scale: Double
  }

  /// Known inputs from a batch of 1–4 rows of `length` entries each: laid out as (B, L) when the loss
  /// reduces the last axis, (L, B) when it reduces axis 0, and reduced by one of `reductions`.
  static func batches(
    of row: @escaping @Sendable (Int) -> Gen<Row>, length: ClosedRange<Int>, axis: Int = -1,
    reductions: [Reduction]
  ) -> Gen<Known> {
    zip(Gen.int(in: 1...4), Gen.int(in: length), Gen.element(of: reductions)).flatMap { batch, length, reduction in
      row(length).array(count: batch).map { rows in
        let (y, p) = layout(rows, length: length, axis: axis)
        return Known(
          input: LossInput(yTrue: y, yPred: p, reduction: reduction), sampleShape: [batch],
          expected: rows.map(\.value), scales: rows.map(\.scale))
      }
    }
  }

  /// The rows as two tensors of shape (B, L), or (L, B) when `axis` is 0.
  static func layout(_ rows: [Row], length: Int, axis: Int) -> (Tensor<Float>, Tensor<Float>) {
    let batch = rows.count
    if axis == 0 {
      let y = (0..<length).flatMap { j in rows.map { $0.y[j] } }
      let p = (0..<length).flatMap { j in rows.map { $0.p[j] } }
      return (try! Tensor(shape: [length, batch], scalars: y), try! Tensor(shape: [length, batch], scalars: p))
    }
    return (
      try! Tensor(shape: [batch, length], scalars: rows.flatMap(\.y)),
      try! Tensor(shape: [batch, length], scalars: rows.flatMap(\.p))
    )
  }

  /// A property over known inputs of `loss`: the candidate's result is each expected value, reduced
  /// as the input says, within the constant bound.
  static func known(_ name: String, _ summary: String, _ generator: Gen<Known>, loss: Loss) -> LossProperty {
    LossProperty(name: name, summary: summary, generator: generator) { value, candidate, measurement in
      try check(value, candidate: candidate, loss: loss, measurement: &measurement)
    }
  }

  static func check(_ value: Known, candidate: Candidate, loss: Loss, measurement: inout Measurement) throws -> String? {
    let got: Tensor<Float>
    do {
      got = try candidate(loss, value.input)
    } catch {
      return "the candidate threw \(error) where the value is known: \(value.expected.map { Float($0) })"
    }
    let (expected, scales, summands, shape) = reduced(value)
    guard got.shape == shape else { return "result shape \(got.shape), expected \(shape)" }
    for (index, (result, exact)) in zip(got.scalars, expected).enumerated() {
      if exact.isNaN {
        guard result.isNaN else { return "element \(index): got \(result), Keras gives NaN" }
        continue
      }
      guard result.isFinite else { return "element \(index): got \(result), expected \(exact)" }
      let rounded = Float(exact)
      let ulp = Double(rounded.isFinite ? rounded.ulp : Float.greatestFiniteMagnitude.ulp)
      let error = abs(Double(result) - exact)
      let allowed = 2 * ulp + Double(3 + summands) * unit * scales[index] + Double(Float.leastNormalMagnitude)
      // As in the agreement property, ULPs are recorded only where the value is well conditioned.
      if Double(3 + summands) * unit * scales[index] <= 4 * ulp { measurement.record(error / ulp) }
      guard error <= allowed else {
        return "element \(index): got \(result), the exact value is \(exact) (\(rounded) as a Float); "
          + "error \(Agreement.formatted(error / ulp)) ULP, allowed \(Agreement.formatted(allowed / ulp)) ULP"
      }
    }
    return nil
  }

  /// The expected result of a known input after its reduction, the scale of each element, the number
  /// of per-sample values summed into it and its shape. No weights: the mask weighs 0 or 1 and the
  /// means divide by the valid count (divide_no_nan).
  static func reduced(_ value: Known) -> (expected: [Double], scales: [Double], summands: Int, shape: [Int]) {
    let valid = value.mask ?? Array(repeating: true, count: value.expected.count)
    if value.sampleShape == [] { return (value.expected, value.scales, 1, []) }
    switch value.input.reduction {
    case .none:
      return (
        zip(value.expected, valid).map { $1 ? $0 : 0 }, zip(value.scales, valid).map { $1 ? $0 : 0 }, 1,
        value.sampleShape
      )
    case .sum, .sumOverBatchSize, .mean, .meanWithSampleWeight:
      let kept = valid.indices.filter { valid[$0] }
      let total = kept.reduce(0.0) { $0 + value.expected[$1] }
      let scale = kept.reduce(0.0) { $0 + value.scales[$1] }
      let divisor = value.input.reduction == .sum ? 1 : Double(kept.count)
      if kept.isEmpty { return ([0], [0], 1, []) }
      return ([total / divisor], [scale / divisor], value.expected.count, [])
    }
  }

  // MARK: - Float32 constants and exact formulas

  static let unit = 0x1p-24
  /// Keras's `epsilon()` in float32: 1.0000000116860974e-07.
  static let eps = Double(Float(1e-7))
  /// `1 − epsilon()` in float32: 1 − 2⁻²³.
  static let oneMinusEps = Double(Float(1) - Float(1e-7))

  /// −log(eps) = 16.118095 (float32): BCE(y = 1, p = 0), CCE and SCCE at p_t = 0, Poisson(1, 0).
  static let minusLogEps = -log(eps)
  /// −log(1 − (1 − 2⁻²³)) = 23·ln 2 = 15.942385: BCE(y = 0, p = 1).
  static let minusLogTwoPowMinus23 = 23 * M_LN2
  /// −log(1 − 2⁻²³) = 2⁻²³ + 2⁻⁴⁷ + … ≈ 1.1920929e-07: BCE(y = 1, p = 1), CCE and SCCE of a certain
  /// correct prediction. Exactly, it rounds to the Float 1.1920930e-07 (2⁻²³ + 2⁻⁴⁶); Keras's float32
  /// log prints 1.1920929e-07 (2⁻²³), one ULP lower. Both are within the 2-ULP bound.
  static let minusLogOneMinusEps = -log1p(-0x1p-23)
  /// −log1p(−eps) = 1.0000000617e-07: BCE(y = 0, p = 0) in the project's semantics (Keras's float32
  /// rounds 1 − eps to 1 − 2⁻²³ before the log and gives 1.1920929e-07).
  static let minusLog1pMinusEps = -log1p(-eps)

  /// p clipped to [eps, 1 − eps] with the float32 constants.
  static func clip(_ p: Double) -> Double {
    Swift.min(Swift.max(p, eps), oneMinusEps)
  }

  /// The binary crossentropy of target t and probability p: −(t·log p + (1 − t)·log1p(−p)), p clipped.
  static func binaryCrossentropy(_ t: Double, _ p: Double) -> (value: Double, scale: Double) {
    let c = clip(p)
    let (a, b) = (-t * log(c), -(1 - t) * log1p(-c))
    return (a + b, abs(a) + abs(b))
  }

  /// softplus(x) = max(x, 0) + log1p(exp(−|x|)).
  static func softplus(_ x: Double) -> Double {
    Swift.max(x, 0) + log1p(exp(-abs(x)))
  }

  /// log Σ exp(x) with the maximum factored out.
  static func logSumExp(_ x: [Double]) -> Double {
    let m = x.max() ?? -.infinity
    guard m.isFinite else { return m }
    return m + log(x.reduce(0) { $0 + exp($1 - m) })
  }

  /// A label-smoothed binary target: y·(1 − ls) + ls/2 with ls rounded to Float (0 leaves y as it is).
  static func smoothBinary(_ y: Double, _ labelSmoothing: Double) -> Double {
    let ls = Double(Float(labelSmoothing))
    return ls == 0 ? y : y * (1 - ls) + 0.5 * ls
  }

  /// Label-smoothed categorical targets: y·(1 − ls) + ls/C.
  static func smoothCategorical(_ y: [Double], _ labelSmoothing: Double) -> [Double] {
    let ls = Double(Float(labelSmoothing))
    return ls == 0 ? y : y.map { $0 * (1 - ls) + ls / Double(y.count) }
  }

  /// Floats in [0, eps]: exact zeros, subnormals, tiny normals and eps itself, all clipped to eps.
  static let belowEps: Gen<Float> = Gen<Float>.oneOf(
    Gen<Float>.element(of: [0, 1e-7, .leastNonzeroMagnitude, .leastNormalMagnitude, 1e-8]),
    Gen<Float>.float(in: 0...1e-7))

  /// Floats in [1 − eps, 1]: 1 − 2⁻²³ (also `Float(1 − 1e-7)`), 1 − 2⁻²⁴ and 1, all clipped to 1 − 2⁻²³.
  static let aboveOneMinusEps: Gen<Float> = Gen<Float>.element(of: [1, 1 - 0x1p-24, 1 - 0x1p-23, Float(1 - 1e-7)])
}
