// Helpers for the gradient tests: a reproducible generator, scenario builders and the central
// finite difference of `Reference.evaluate`.

import LossCore
import Testing

@testable import LossReference

/// SplitMix64 with its own bits-to-Double mapping, so every scenario replays on any toolchain.
struct GradientRandom {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [low, high).
  mutating func uniform(_ low: Double, _ high: Double) -> Double {
    low + (high - low) * Double(next() >> 11) * 0x1p-53
  }

  /// Uniform in `range`.
  mutating func integer(in range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(next() % UInt64(range.count))
  }

  /// ±1 with equal probability.
  mutating func sign() -> Double { next() & 1 == 0 ? 1 : -1 }

  /// `count` values uniform in [low, high).
  mutating func uniforms(_ count: Int, _ low: Double, _ high: Double) -> [Double] {
    (0..<count).map { _ in uniform(low, high) }
  }

  /// `count` integer labels in `range`, as Doubles.
  mutating func labels(_ count: Int, in range: ClosedRange<Int>) -> [Double] {
    (0..<count).map { _ in Double(integer(in: range)) }
  }

  /// One-hot rows: `rows` × `classes`, one 1 per row.
  mutating func oneHot(rows: Int, classes: Int) -> [Double] {
    (0..<rows).flatMap { _ in
      let hot = integer(in: 0...(classes - 1))
      return (0..<classes).map { $0 == hot ? 1.0 : 0.0 }
    }
  }
}

/// One loss call whose gradient is checked: inputs, weights and reduction.
struct GradientScenario: Sendable, CustomTestStringConvertible {
  var name: String
  var loss: Loss
  var yTrue: Tensor<Double>
  var yPred: Tensor<Double>
  var sampleWeight: Tensor<Double>? = nil
  var reduction: Reduction = .sumOverBatchSize

  var testDescription: String { "\(name) [\(reduction.rawValue)\(sampleWeight == nil ? "" : ", weighted")]" }

  /// The reduced loss as one number: the value, or the sum of the elements for `none`.
  func value(at yPred: Tensor<Double>) throws -> Double {
    let result = try Reference.evaluate(
      loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction)
    return ReferenceMath.sum(result.scalars)
  }

  /// The analytic gradient.
  func gradient(as dtype: DType = .float64) throws -> Tensor<Double> {
    try Reference.gradient(
      loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction, as: dtype)
  }

  /// The central difference (f(p + h·eᵢ) − f(p − h·eᵢ)) / 2h for every element, with
  /// h = `relativeStep`·max(|pᵢ|, 1).
  func centralDifferences(relativeStep: Double = 1e-5) throws -> [Double] {
    try yPred.scalars.indices.map { i in
      let h = relativeStep * max(abs(yPred.scalars[i]), 1)
      var up = yPred
      var down = yPred
      up.scalars[i] += h
      down.scalars[i] -= h
      // The step actually taken, after rounding p ± h.
      let span = up.scalars[i] - down.scalars[i]
      return (try value(at: up) - value(at: down)) / span
    }
  }

  /// The same scenario under another reduction and weights.
  func with(_ reduction: Reduction, weight: Tensor<Double>? = nil) -> GradientScenario {
    var copy = self
    copy.reduction = reduction
    copy.sampleWeight = weight
    return copy
  }
}

/// A tensor of the given shape (the count must fill it).
func gradientTensor(_ scalars: [Double], _ shape: [Int]) -> Tensor<Double> {
  // The callers build the scalars from the shape.
  try! Tensor(shape: shape, scalars: scalars)
}
