//===--- RegressionKernelTests.swift ---------------------------------------===//
//
// The Float32 kernels of MSE, MAE, MAPE, Huber, the hinges, cosine
// similarity, dice and tversky against `Reference.evaluate(..., as: .float32)`
// on seeded inputs (tails of every length, every reduction, weights, axes),
// Keras's float32 numbers, NaN propagation and bad input.
//
//===----------------------------------------------------------------------===//

import LossCore
import LossReference
import Losses
import Testing

/// SplitMix64 mapped to Floats by our own rule, so a seed replays everywhere.
private struct Seeded {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func uniform(_ a: Float, _ b: Float) -> Float {
    a + (b - a) * (Float(next() >> 40) * 0x1p-24)
  }

  mutating func tensor(_ shape: [Int], _ values: (inout Seeded) -> Float) -> Tensor<Float> {
    try! Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in values(&self) })
  }
}

/// The kernel against the reference as float32, scalar by scalar.
///
/// The bound is the kernels' documented one for sums without cancellation: each Float term is
/// within about 3u of its value (a subtraction and a product or two), the blocked sums add at most
/// 3u·Σ|terms|, and the result is rounded once: |error| ≤ 6u·|exact| + ½ ULP, under 7 ULP in the
/// worst case. `absolute` covers the losses whose terms cancel (noted per call).
private func expectAgreement(
  _ loss: Loss, _ y: Tensor<Float>, _ p: Tensor<Float>, weight: Tensor<Float>? = nil,
  reduction: Reduction, ulps: Double = 7, absolute: Double = 0,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let got = try Float32Loss.evaluate(loss, yTrue: y, yPred: p, sampleWeight: weight, reduction: reduction)
  let exact = try Reference.evaluate(
    loss, yTrue: y.map(Double.init), yPred: p.map(Double.init), sampleWeight: weight?.map(Double.init),
    reduction: reduction, as: .float32)
  #expect(got.shape == exact.shape, sourceLocation: sourceLocation)
  for (g, e) in zip(got.scalars, exact.scalars) {
    if e.isNaN {
      #expect(g.isNaN, "\(loss): got \(g), reference NaN", sourceLocation: sourceLocation)
      continue
    }
    let allowed = ulps * Double(Float(e).ulp) + absolute
    #expect(abs(Double(g) - e) <= allowed, "\(loss) \(reduction) \(y.shape): got \(g), reference \(e)",
            sourceLocation: sourceLocation)
  }
}

@Suite("Regression, hinge, cosine and overlap kernels")
struct RegressionKernelTests {
  static let elementwise: [Loss] = [.meanSquaredError, .meanAbsoluteError, .meanAbsolutePercentageError, .huber(delta: 0.5)]

  /// Every lane length from 1 to 130 exercises the 64-element blocks, the SIMD8 loop and each
  /// length of tail.
  @Test(arguments: elementwise)
  func agreesAtEveryTailLength(loss: Loss) throws {
    var random = Seeded(state: 7)
    for length in 1...130 {
      let y = random.tensor([3, length]) { $0.uniform(0.5, 4) }
      let p = random.tensor([3, length]) { $0.uniform(-4, 4) }
      try expectAgreement(loss, y, p, reduction: .sumOverBatchSize)
      try expectAgreement(loss, y, p, reduction: .none)
    }
  }

  /// Operands of 2²¹ elements or more take the portable loop that prefetches ahead (`LaneSum`;
  /// the AVX2 loop, where selected, has no such mode): either must sum as the other loops do,
  /// lanes of 1031 (blocks and a tail), every per-sample value and the mean within the same bound.
  @Test(arguments: [Loss.meanSquaredError, .meanAbsoluteError])
  func streamingOperandsAgree(loss: Loss) throws {
    var random = Seeded(state: 31)
    let y = random.tensor([2035, 1031]) { $0.uniform(0.5, 4) }
    let p = random.tensor([2035, 1031]) { $0.uniform(-4, 4) }
    #expect(p.scalars.count >= 1 << 21)
    try expectAgreement(loss, y, p, reduction: .sumOverBatchSize)
    try expectAgreement(loss, y, p, reduction: .none)
  }

  /// Lanes shorter than a block (64) are evaluated in Double, terms and sum: each per-sample loss
  /// is within ½ ULP plus about 64·2⁻⁵³ relative of the exact value before its final rounding,
  /// so within 1 ULP whatever the reduction (done in Double on those values). The Float path's
  /// 7-ULP bound would let a regression to it pass, hence the separate, tight check. The hinges
  /// (margins 1 − y·p with y in {−1, 1} here) do not cancel: y·p is exact in Double.
  @Test(arguments: elementwise + [Loss.hinge, .squaredHinge])
  func shortLanesAreWithinOneULP(loss: Loss) throws {
    var random = Seeded(state: 23)
    let isHinge = loss == .hinge || loss == .squaredHinge
    for length in 1..<64 {
      let y = random.tensor([3, length]) { isHinge ? ($0.next() & 1 == 0 ? -1 : 1) : $0.uniform(0.5, 4) }
      let p = random.tensor([3, length]) { $0.uniform(-4, 4) }
      let weight = random.tensor([3]) { $0.uniform(0, 2) }
      for reduction in Reduction.allCases {
        try expectAgreement(loss, y, p, weight: weight, reduction: reduction, ulps: 1)
      }
    }
  }

  @Test(arguments: elementwise)
  func agreesUnderEveryReductionWithWeightsAndBroadcasting(loss: Loss) throws {
    var random = Seeded(state: 11)
    let y = random.tensor([4, 5, 9]) { $0.uniform(0.5, 4) }
    let p = random.tensor([4, 5, 9]) { $0.uniform(-4, 4) }
    let weight = random.tensor([4, 1]) { $0.uniform(0, 2) }
    for reduction in Reduction.allCases {
      try expectAgreement(loss, y, p, weight: weight, reduction: reduction)
    }
    // y_true (4, 9) broadcast against y_pred (4, 5, 9); y_true (9,) against (4, 9).
    try expectAgreement(loss, random.tensor([4, 1, 9]) { $0.uniform(0.5, 4) }, p, reduction: .sum)
    try expectAgreement(loss, random.tensor([9]) { $0.uniform(0.5, 4) }, random.tensor([4, 9]) { $0.uniform(-4, 4) },
                        reduction: .none)
  }

  /// Hinge terms 1 − y·p cancel near the margin: the bound adds 8u·(1 + |y·p|) ≤ 8u·41 there.
  @Test func hingesAgreeForEachLabelConvention() throws {
    var random = Seeded(state: 13)
    let labelSets: [[Float]] = [[-1, 1], [0, 1], [-1, 0, 1]]
    for labels in labelSets {
      for length in [1, 7, 8, 9, 64, 100] {
        let y = random.tensor([3, length]) { labels[Int($0.next() % UInt64(labels.count))] }
        let p = random.tensor([3, length]) { $0.uniform(-40, 40) }
        for loss in [Loss.hinge, .squaredHinge, .categoricalHinge] {
          try expectAgreement(loss, y, p, reduction: .none, absolute: 8 * 0x1p-24 * 41 * 81)
        }
      }
    }
  }

  /// Cosine: Σ y·p cancels for nearly orthogonal vectors; |ŷ·p̂| summed is at most 1, so the bound
  /// adds 8u.
  @Test func cosineAgreesAlongEitherAxisAndFloorsTheNorm() throws {
    var random = Seeded(state: 17)
    for length in [1, 3, 8, 31, 64, 200] {
      let y = random.tensor([4, length]) { $0.uniform(-3, 3) }
      let p = random.tensor([4, length]) { $0.uniform(-3, 3) }
      try expectAgreement(.cosineSimilarity(), y, p, reduction: .none, absolute: 8 * 0x1p-24)
      try expectAgreement(.cosineSimilarity(axis: 0), y, p, reduction: .none, absolute: 8 * 0x1p-24)
    }
    // Keras's §10: a zero vector gives −0 (0 / floor); [1e-8, 0] against [1, 0] gives −0.1.
    let zero = try Float32Loss.evaluate(.cosineSimilarity(), yTrue: Tensor([0, 0]), yPred: Tensor([1, 2]))
    #expect(zero.scalars == [0])
    let tiny = try Float32Loss.evaluate(.cosineSimilarity(), yTrue: Tensor([1e-8, 0]), yPred: Tensor([1, 0]))
    #expect(abs(tiny.scalars[0] - -0.1) <= 2 * Float(0.1).ulp)
    // Squares beyond Float's range take the scaled Double path.
    let huge = try Float32Loss.evaluate(.cosineSimilarity(), yTrue: Tensor([3e30, 4e30]), yPred: Tensor([3e30, 4e30]))
    #expect(abs(huge.scalars[0] - -1) <= 2 * Float(1).ulp)
  }

  /// Dice and tversky: 1 − a ratio of sums of non-negative terms; the ratio's rounding is a few u.
  @Test func overlapAgreesOverAxes() throws {
    var random = Seeded(state: 19)
    let y = random.tensor([3, 4, 5]) { $0.next() & 1 == 0 ? 0 : 1 }
    let p = random.tensor([3, 4, 5]) { $0.uniform(0, 1) }
    for axis: [Int]? in [nil, [-1], [1], [1, 2], [0, 2]] {
      for loss in [Loss.dice(axis: axis), .tversky(alpha: 0.7, beta: 0.3, axis: axis)] {
        try expectAgreement(loss, y, p, reduction: .none, absolute: 8 * 0x1p-24)
        try expectAgreement(loss, y, p, reduction: .sum, absolute: 64 * 0x1p-24)
      }
    }
  }

  /// Keras 3.15.1's float32 numbers (the spec's §10). Keras computed them in float32 with a
  /// rounding at every step, so they carry a few ULPs of their own: 4 ULPs are allowed.
  @Test func kerasValues() throws {
    func value(_ loss: Loss, _ y: [Float], _ p: [Float], _ reduction: Reduction = .sumOverBatchSize) throws -> [Float] {
      try Float32Loss.evaluate(loss, yTrue: Tensor(y), yPred: Tensor(p), reduction: reduction).scalars
    }
    #expect(try value(.meanAbsolutePercentageError, [0, 2], [1, 1]) == [5.0000003e8])
    let huber = try Float32Loss.evaluate(.huber(), yTrue: try Tensor(shape: [2, 1], scalars: [0, 0]),
                                         yPred: try Tensor(shape: [2, 1], scalars: [0.5, 2]), reduction: .none)
    #expect(huber.scalars == [0.125, 1.5])
    #expect(abs(try value(.hinge, [0, 1], [0.3, 0.6])[0] - 0.85) <= 4 * Float(0.85).ulp)
    #expect(abs(try value(.hinge, [0, 1, -1], [0.3, 0.6, 0.2])[0] - 0.8666667) <= 4 * Float(0.8666667).ulp)
    #expect(abs(try value(.squaredHinge, [0, 1], [0.3, 0.6])[0] - 0.925) <= 4 * Float(0.925).ulp)
    #expect(abs(try value(.categoricalHinge, [0, 1, 0], [0.3, 0.5, 0.9])[0] - 1.4) <= 4 * Float(1.4).ulp)
    let dice = try Float32Loss.evaluate(
      .dice(), yTrue: try Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 1, 1]),
      yPred: try Tensor(shape: [2, 3], scalars: [0.9, 0.2, 0.6, 0.1, 0.3, 0.8]))
    #expect(abs(dice.scalars[0] - 0.24637687) <= 4 * Float(0.24637687).ulp)
  }

  @Test func nanPropagates() throws {
    for loss in Self.elementwise + [.hinge, .categoricalHinge, .cosineSimilarity(), .dice()] {
      let result = try Float32Loss.evaluate(loss, yTrue: Tensor([1, 0, 1]), yPred: Tensor([0.5, .nan, 0.5]))
      #expect(result.scalars[0].isNaN, "\(loss)")
    }
  }

  /// Bad input throws the reference's error: same case, same argument.
  @Test func badInputThrowsTheReferenceError() throws {
    let cases: [(Loss, Tensor<Float>, Tensor<Float>, Tensor<Float>?)] = [
      (.meanSquaredError, try Tensor(shape: [2, 3], scalars: Array(repeating: 1, count: 6)), Tensor([1, 2]), nil),
      (.cosineSimilarity(), Tensor([1, 2, 3]), try Tensor(shape: [2, 3], scalars: Array(repeating: 1, count: 6)), nil),
      (.meanAbsoluteError, try Tensor(shape: [3, 0], scalars: []), try Tensor(shape: [3, 0], scalars: []), nil),
      (.huber(), Tensor(scalar: 1), Tensor(scalar: 2), nil),
      (.dice(axis: [3]), Tensor([1, 0]), Tensor([0.5, 0.5]), nil),
      (.meanSquaredError, try Tensor(shape: [4, 3, 2], scalars: Array(repeating: 1, count: 24)),
       try Tensor(shape: [4, 3, 2], scalars: Array(repeating: 0, count: 24)), Tensor([1, 1, 1, 1])),
      (.huber(delta: -1), Tensor([1]), Tensor([2]), nil),
    ]
    for (loss, y, p, w) in cases {
      var referenceError: LossError?
      do {
        _ = try Reference.evaluate(loss, yTrue: y.map(Double.init), yPred: p.map(Double.init),
                                   sampleWeight: w?.map(Double.init), as: .float32)
      } catch let error as LossError { referenceError = error }
      #expect(referenceError != nil, "\(loss) should be rejected")
      #expect {
        try Float32Loss.evaluate(loss, yTrue: y, yPred: p, sampleWeight: w)
      } throws: { error in
        guard let error = error as? LossError, let referenceError else { return false }
        return error.argument == referenceError.argument
          && String(describing: error).prefix(12) == String(describing: referenceError).prefix(12)
      }
    }
  }

  @Test func reducedValueOfBuffersAndItsErrors() throws {
    let y: [Float] = [1, 2, 3, 4]
    let p: [Float] = [1, 1, 1, 1]
    let value = try y.withUnsafeBufferPointer { y in
      try p.withUnsafeBufferPointer { p in
        try Float32Loss.reducedValue(
          .meanSquaredError, yTrue: Operand(y, shape: [2, 2], argument: "y_true"),
          yPred: Operand(p, shape: [2, 2], argument: "y_pred"), reduction: .sum)
      }
    }
    // Per-sample means (0 + 1)/2 and (4 + 9)/2, summed: 7.
    #expect(value == 7)
    #expect(throws: LossError.self) {
      try y.withUnsafeBufferPointer { y in try Operand(y, shape: [3], argument: "y_true") }
    }
  }
}
