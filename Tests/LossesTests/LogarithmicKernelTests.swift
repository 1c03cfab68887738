//===--- LogarithmicKernelTests.swift -------------------------------------===//
//
// The Float32 kernels of MSLE, log_cosh, Poisson, KL divergence, CTC and
// circle against `Reference.evaluate(..., as: .float32)`: seeded random
// inputs at several shapes and reductions, Keras's float32 numbers, edge
// values, NaN propagation, and the errors of bad input.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import LossReference
import Losses
import Testing

// MARK: - Support

/// SplitMix64 with its own bits-to-value mapping, so a seed replays on every toolchain.
private struct SplitMix {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A Float in [a, b): 24 random bits scaled.
  mutating func uniform(_ a: Float, _ b: Float) -> Float {
    a + (b - a) * (Float(next() >> 40) * 0x1p-24)
  }

  mutating func int(below n: Int) -> Int { Int(next() % UInt64(n)) }

  mutating func tensor(_ shape: [Int], _ a: Float, _ b: Float) -> Tensor<Float> {
    let count = shape.reduce(1, *)
    return try! Tensor(shape: shape, scalars: (0..<count).map { _ in uniform(a, b) })
  }
}

/// The distance in ULPs between two Floats (0 for two NaNs, ±0 equal).
private func ulpDistance(_ a: Float, _ b: Float) -> Int {
  if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .max }
  if a.isInfinite || b.isInfinite { return a == b ? 0 : .max }
  func key(_ x: Float) -> Int {
    let bits = Int(Int32(bitPattern: x.bitPattern))
    return bits < 0 ? -(bits & 0x7FFF_FFFF) : bits
  }
  return Swift.abs(key(a) - key(b))
}

/// The kernel's and the reference's results, compared scalar by scalar: within `ulps` ULPs of the
/// reference rounded to Float, or within `absolute` (the condition-aware part of a bound).
private func expectAgreement(
  _ loss: Loss, _ yTrue: Tensor<Float>, _ yPred: Tensor<Float>, weight: Tensor<Float>? = nil,
  reduction: Reduction = .sumOverBatchSize, ulps: Int = 1, absolute: Double = 0,
  _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  do {
    let got = try Float32Loss.evaluate(loss, yTrue: yTrue, yPred: yPred, sampleWeight: weight, reduction: reduction)
    let want = try Reference.evaluate(
      loss, yTrue: yTrue.map(Double.init), yPred: yPred.map(Double.init), sampleWeight: weight?.map(Double.init),
      reduction: reduction, as: .float32)
    #expect(got.shape == want.shape, "\(label)", sourceLocation: sourceLocation)
    for (g, w) in zip(got.scalars, want.scalars) {
      let distance = ulpDistance(g, Float(w))
      let ok = distance <= ulps || Swift.abs(Double(g) - w) <= absolute
      #expect(ok, "\(label): kernel \(g), reference \(w) (\(distance) ulps)", sourceLocation: sourceLocation)
    }
  } catch {
    Issue.record("\(label): \(error)", sourceLocation: sourceLocation)
  }
}

/// The error each implementation throws, or nil.
private func errors(
  _ loss: Loss, _ yTrue: Tensor<Float>, _ yPred: Tensor<Float>
) -> (kernel: LossError?, reference: LossError?) {
  var kernel: LossError?
  var reference: LossError?
  do { _ = try Float32Loss.evaluate(loss, yTrue: yTrue, yPred: yPred) } catch { kernel = error as? LossError }
  do {
    _ = try Reference.evaluate(loss, yTrue: yTrue.map(Double.init), yPred: yPred.map(Double.init), as: .float32)
  } catch { reference = error as? LossError }
  return (kernel, reference)
}

private let elementwise: [(String, Loss, (Float, Float), (Float, Float))] = [
  ("msle", .meanSquaredLogarithmicError, (0, 10), (-1, 10)),
  ("log_cosh", .logCosh, (-3, 3), (-3, 3)),
  ("poisson", .poisson, (0, 5), (0, 5)),
  ("kld", .klDivergence, (0, 1), (0, 1)),
]

private let shapes: [[Int]] = [[1], [5], [1, 1], [7, 3], [5, 8], [3, 13], [2, 64], [3, 63], [4, 100], [1, 1031], [2, 3, 17], [4, 257]]

// MARK: - Elementwise logarithmic losses

@Test("MSLE, log_cosh, Poisson, KLD agree with the reference within 1 ULP on random inputs")
func elementwiseRandom() {
  var rng = SplitMix(state: 0x5EED_0001)
  for (name, loss, yRange, pRange) in elementwise {
    for shape in shapes {
      for trial in 0..<6 {
        let y = rng.tensor(shape, yRange.0, yRange.1)
        let p = rng.tensor(shape, pRange.0, pRange.1)
        let label = "\(name) \(shape) trial \(trial)"
        expectAgreement(loss, y, p, reduction: .none, label)
        expectAgreement(loss, y, p, reduction: .sumOverBatchSize, label)
        expectAgreement(loss, y, p, reduction: .sum, label)
        let weightShape = Array(shape.dropLast())
        let weight = rng.tensor(weightShape, 0, 2)
        expectAgreement(loss, y, p, weight: weight, reduction: .meanWithSampleWeight, "\(label) weighted")
        expectAgreement(loss, y, p, weight: weight, reduction: .none, "\(label) weighted none")
      }
    }
  }
}

@Test("Broadcasting operands agree with the reference")
func elementwiseBroadcast() {
  var rng = SplitMix(state: 0x5EED_0002)
  for (name, loss, yRange, pRange) in elementwise {
    let y = rng.tensor([4, 1], yRange.0, yRange.1)
    let p = rng.tensor([4, 9], pRange.0, pRange.1)
    expectAgreement(loss, y, p, reduction: .none, "\(name) broadcast")
    let y2 = rng.tensor([4, 70], yRange.0, yRange.1)
    let p2 = rng.tensor([70], pRange.0, pRange.1)
    expectAgreement(loss, y2, p2, reduction: .sum, "\(name) broadcast row")
  }
}

@Test("Cancellation: KLD near 0, Poisson with mixed signs, log_cosh of tiny x stay within their bounds")
func elementwiseCancellation() {
  var rng = SplitMix(state: 0x5EED_0003)
  let u = 0x1p-24
  for n in [1, 3, 8, 64, 200] {
    // y ≈ p: KLD terms of both signs sum to nearly 0. Bound: 2⁻³³·Σ|t| (Double path, n < 64),
    // ≈ 2u·Σ|t| + ½u·Σy (Float path).
    let y = rng.tensor([2, n], 0.2, 0.8)
    let p = try! Tensor(shape: [2, n], scalars: y.scalars.map { $0 * (1 + rng.uniform(-1e-3, 1e-3)) })
    let sumAbs = zip(y.scalars, p.scalars).map { Double($0) * Swift.abs(log(Double($0) / Double($1))) }.reduce(0, +)
    let sumY = y.scalars.reduce(0) { $0 + Double($1) }
    expectAgreement(.klDivergence, y, p, reduction: .none, absolute: 3 * u * sumAbs + u * sumY, "kld near 0, n = \(n)")
    // Poisson with p − y·log p ≈ 0 in part: bound 2⁻³⁴·Σ|y·log p| + 2⁻⁵²·Σ|t| per mean.
    let py = rng.tensor([2, n], 0.5, 3)
    let pp = rng.tensor([2, n], 0.5, 3)
    expectAgreement(.poisson, py, pp, reduction: .none, absolute: 1e-12, "poisson mixed, n = \(n)")
  }
  // log_cosh of tiny x: the value is x²/2 − (Float(ln 2) − ln 2), and the reference's own Double
  // evaluation carries 2⁻⁵³·(|x| + ln 2)·few absolute.
  for x: Float in [0, 1e-30, 1e-10, 1e-6, 3e-5, 6.17e-5, 1e-4, 1e-3, 0.01, 0.5, 0.875, 0.9, 20, 1e4] {
    let y = try! Tensor(shape: [1, 1], scalars: [Float(0)])
    let p = try! Tensor(shape: [1, 1], scalars: [x])
    expectAgreement(.logCosh, y, p, reduction: .none, absolute: 4 * 0x1p-53, "log_cosh(\(x))")
    expectAgreement(.logCosh, p, y, reduction: .none, absolute: 4 * 0x1p-53, "log_cosh(−\(x))")
  }
}

@Test("Keras's float32 values (spec §10)")
func kerasValues() throws {
  func value(_ loss: Loss, _ y: [Float], _ p: [Float]) throws -> Float {
    try Float32Loss.evaluate(
      loss, yTrue: Tensor(shape: [1, y.count], scalars: y), yPred: Tensor(shape: [1, p.count], scalars: p)
    ).scalars[0]
  }
  #expect(ulpDistance(try value(.klDivergence, [0, 1], [0.5, 0]), 16.118093) <= 1)
  #expect(ulpDistance(try value(.poisson, [1], [0]), 16.118095) <= 1)
  #expect(ulpDistance(try value(.meanSquaredLogarithmicError, [1], [-5]), 0.48045287) <= 1)
  #expect(ulpDistance(try value(.logCosh, [0], [100]), 99.306854) <= 1)
}

@Test("Edge values: exact 0 and 1, eps, subnormals, large values, ±∞ and NaN follow the reference")
func elementwiseEdges() {
  let special: [Float] = [
    0, -0.0, 1, Float(1e-7), 1e-7 * 0.5, -1e-7, 2e-7, .leastNonzeroMagnitude, .leastNormalMagnitude,
    0.5, 3, 1e10, 3e38, -3e38, -0.5, .infinity, -.infinity, .nan,
  ]
  var y = [Float]()
  var p = [Float]()
  for a in special {
    for b in special {
      y.append(a)
      p.append(b)
    }
  }
  let n = special.count
  for (name, loss, _, _) in elementwise {
    // One element per row, so every pair is its own per-sample loss.
    let yt = try! Tensor(shape: [n * n, 1], scalars: y)
    let pt = try! Tensor(shape: [n * n, 1], scalars: p)
    expectAgreement(loss, yt, pt, reduction: .none, "\(name) edge pairs")
    // The same pairs as one long row (the SIMD block loops and their scalar fallback).
    let yr = try! Tensor(shape: [1, n * n], scalars: y)
    let pr = try! Tensor(shape: [1, n * n], scalars: p)
    expectAgreement(loss, yr, pr, reduction: .none, "\(name) edge row")
  }
  // Finite edge values only, in long rows, for the vector paths.
  let finite = special.filter { $0.isFinite }
  let yf = (0..<256).map { finite[$0 % finite.count] }
  let pf = (0..<256).map { finite[($0 * 7 + 3) % finite.count] }
  for (name, loss, _, _) in elementwise where name != "poisson" {
    expectAgreement(loss, try! Tensor(shape: [2, 128], scalars: yf), try! Tensor(shape: [2, 128], scalars: pf), reduction: .none, "\(name) finite edges")
  }
}

// MARK: - CTC

/// Labels (B, L) padded with 0, each row feasible for `steps`.
private func ctcLabels(_ rng: inout SplitMix, batch: Int, length: Int, classes: Int, steps: Int) -> Tensor<Float> {
  var scalars = [Float]()
  for _ in 0..<batch {
    var row = [Int]()
    let count = rng.int(below: length + 1)
    for _ in 0..<count {
      let label = 1 + rng.int(below: classes - 1)
      let repeats = zip(row, row.dropFirst()).filter { $0 == $1 }.count + (row.last == label ? 1 : 0)
      if row.count + 1 + repeats <= steps { row.append(label) }
    }
    scalars += row.map(Float.init) + Array(repeating: 0, count: length - row.count)
  }
  return try! Tensor(shape: [batch, length], scalars: scalars)
}

@Test("CTC agrees with the reference on random small problems")
func ctcRandom() {
  var rng = SplitMix(state: 0x5EED_0C7C)
  for (batch, steps, classes, length) in [(1, 1, 2, 1), (3, 5, 4, 2), (4, 12, 6, 4), (2, 30, 20, 8), (2, 50, 5, 10), (2, 17, 37, 6)] {
    for trial in 0..<5 {
      let y = ctcLabels(&rng, batch: batch, length: length, classes: classes, steps: steps)
      let p = rng.tensor([batch, steps, classes], -4, 4)
      let label = "ctc B\(batch) T\(steps) C\(classes) L\(length) trial \(trial)"
      expectAgreement(.ctc, y, p, reduction: .none, label)
      expectAgreement(.ctc, y, p, reduction: .sumOverBatchSize, label)
      expectAgreement(.ctc, y, p, weight: rng.tensor([batch], 0, 2), reduction: .sum, "\(label) weighted")
    }
  }
}

@Test("CTC hand cases and extreme logits")
func ctcHand() throws {
  // T = 2, C = 2, one label 1, uniform logits: the alignments 11, 01, 10 have probability ¾.
  let y = try Tensor(shape: [1, 1], scalars: [Float(1)])
  let p = try Tensor(shape: [1, 2, 2], scalars: [Float](repeating: 0, count: 4))
  let value = try Float32Loss.evaluate(.ctc, yTrue: y, yPred: p, reduction: .none).scalars[0]
  #expect(ulpDistance(value, Float(-log(0.75))) <= 1)
  // Empty labels: only the all-blank path; large logit spreads (log-space fallback); −∞ and NaN.
  var rng = SplitMix(state: 0x5EED_0C7D)
  let empty = try Tensor(shape: [2, 3], scalars: [Float](repeating: 0, count: 6))
  expectAgreement(.ctc, empty, rng.tensor([2, 4, 3], -2, 2), reduction: .none, "ctc empty labels")
  let labels = try Tensor(shape: [1, 3], scalars: [Float(1), 2, 1])
  var wide = rng.tensor([1, 6, 3], -1, 1)
  wide.scalars[2] = 900  // class 2 at step 0 dominates by far
  wide.scalars[4] = -900
  expectAgreement(.ctc, labels, wide, reduction: .none, "ctc wide logits")
  var minusInfinity = rng.tensor([1, 6, 3], -1, 1)
  minusInfinity.scalars[1] = -.infinity
  expectAgreement(.ctc, labels, minusInfinity, reduction: .none, "ctc −∞ logit")
  var nan = rng.tensor([1, 6, 3], -1, 1)
  nan.scalars[7] = .nan
  expectAgreement(.ctc, labels, nan, reduction: .none, "ctc NaN logit")
  expectAgreement(.ctc, try Tensor(shape: [1, 0], scalars: []), try Tensor(shape: [1, 0, 3], scalars: []), reduction: .none, "ctc T = 0")
}

@Test("CTC bad input throws the reference's error")
func ctcErrors() throws {
  let p = try Tensor(shape: [2, 3, 4], scalars: [Float](repeating: 0.1, count: 24))
  let cases: [(String, Tensor<Float>, Tensor<Float>)] = [
    ("rank of y_true", try Tensor(shape: [2], scalars: [1, 2]), p),
    ("rank of y_pred", try Tensor(shape: [2, 1], scalars: [1, 2]), try Tensor(shape: [2, 12], scalars: p.scalars)),
    ("batch", try Tensor(shape: [3, 1], scalars: [1, 2, 3]), p),
    ("label too large", try Tensor(shape: [2, 2], scalars: [1, 4, 0, 0]), p),
    ("negative label", try Tensor(shape: [2, 2], scalars: [1, 0, -1, 0]), p),
    ("non-integer", try Tensor(shape: [2, 2], scalars: [1.5, 0, 1, 0]), p),
    ("NaN label", try Tensor(shape: [2, 2], scalars: [1, 0, .nan, 0]), p),
    ("padding first", try Tensor(shape: [2, 2], scalars: [0, 2, 1, 0]), p),
    ("infeasible", try Tensor(shape: [2, 3], scalars: [1, 1, 1, 2, 0, 0]), p),
    ("no class", try Tensor(shape: [1, 1], scalars: [0]), try Tensor(shape: [1, 2, 0], scalars: [])),
  ]
  for (name, y, p) in cases {
    let (kernel, reference) = errors(.ctc, y, p)
    #expect(reference != nil, "\(name): the reference accepts it")
    // Compared by description: the same case, argument, index, value and reason (NaN values too).
    #expect(
      kernel.map(String.init(describing:)) == reference.map(String.init(describing:)),
      "\(name): kernel \(String(describing: kernel)), reference \(String(describing: reference))")
  }
}

// MARK: - Circle

/// Unit-norm rows.
private func embeddings(_ rng: inout SplitMix, batch: Int, dimension: Int) -> Tensor<Float> {
  var scalars = (0..<(batch * dimension)).map { _ in rng.uniform(-1, 1) }
  for i in 0..<batch {
    let norm = (0..<dimension).reduce(Float(0)) { $0 + scalars[i * dimension + $1] * scalars[i * dimension + $1] }.squareRoot()
    for k in 0..<dimension { scalars[i * dimension + k] /= norm }
  }
  return try! Tensor(shape: [batch, dimension], scalars: scalars)
}

@Test("Circle agrees with the reference, rows without positives masked")
func circleRandom() {
  var rng = SplitMix(state: 0x5EED_C1C1)
  for (batch, dimension) in [(1, 3), (2, 2), (5, 7), (8, 16), (16, 33), (24, 64)] {
    for trial in 0..<4 {
      // Few classes (positives everywhere) and many (rows without positives).
      let classes = trial % 2 == 0 ? 3 : batch + 2
      let y = try! Tensor(shape: [batch], scalars: (0..<batch).map { _ in Float(rng.int(below: classes)) })
      let p = embeddings(&rng, batch: batch, dimension: dimension)
      let label = "circle B\(batch) D\(dimension) trial \(trial)"
      for loss in [Loss.circle(), .circle(gamma: 10, margin: 0.25, removeDiagonal: false)] {
        for reduction in [Reduction.none, .sum, .sumOverBatchSize, .mean] {
          expectAgreement(loss, y, p, reduction: reduction, "\(label) \(loss) \(reduction)")
        }
        expectAgreement(loss, y, p, weight: rng.tensor([batch], 0, 2), reduction: .meanWithSampleWeight, "\(label) weighted")
      }
      expectAgreement(.circle(), try! Tensor(shape: [batch, 1], scalars: y.scalars), p, reduction: .none, "\(label) (B, 1) labels")
    }
  }
  // All labels distinct: every row masked.
  let p = embeddings(&rng, batch: 4, dimension: 5)
  expectAgreement(.circle(), try! Tensor(shape: [4], scalars: [0, 1, 2, 3]), p, reduction: .sumOverBatchSize, "circle all masked")
  var nan = p
  nan.scalars[3] = .nan
  expectAgreement(.circle(), try! Tensor(shape: [4], scalars: [0, 0, 1, 1]), nan, reduction: .sumOverBatchSize, "circle NaN")
}

@Test("Circle bad input throws the reference's error")
func circleErrors() throws {
  let p = try Tensor(shape: [3, 2], scalars: [Float](repeating: 0.5, count: 6))
  let cases: [(String, Tensor<Float>, Tensor<Float>)] = [
    ("rank of y_pred", try Tensor(shape: [3], scalars: [0, 1, 2]), try Tensor(shape: [6], scalars: p.scalars)),
    ("labels shape", try Tensor(shape: [2], scalars: [0, 1]), p),
    ("labels (B, 2)", try Tensor(shape: [3, 2], scalars: [0, 1, 2, 0, 1, 2]), p),
    ("non-integer", try Tensor(shape: [3], scalars: [0, 1.5, 2]), p),
    ("infinite label", try Tensor(shape: [3], scalars: [0, .infinity, 2]), p),
  ]
  for (name, y, p) in cases {
    let (kernel, reference) = errors(.circle(), y, p)
    #expect(reference != nil, "\(name): the reference accepts it")
    // Compared by description: the same case, argument, index, value and reason (NaN values too).
    #expect(
      kernel.map(String.init(describing:)) == reference.map(String.init(describing:)),
      "\(name): kernel \(String(describing: kernel)), reference \(String(describing: reference))")
  }
}
