//===--- CrossentropyKernelTests.swift ------------------------------------===//
//
// The crossentropy Float32 kernels against the Double reference evaluated as
// float32: seeded random inputs at several shapes, axes, options and
// reductions; Keras's own float32 numbers; edge values; bad input.
//
//===----------------------------------------------------------------------===//

import LossCore
import LossReference
import Losses
import Testing

// MARK: - Support

/// SplitMix64, with the bits-to-value mapping owned here so a seed replays on any toolchain.
private struct XentRandom {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1) on a 2⁻²⁴ grid.
  mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }
  mutating func uniform(_ a: Float, _ b: Float) -> Float { a + (b - a) * unit() }
  mutating func index(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// The distance in ULPs between two Floats (adjacent Floats are 1 apart, ±0 are 0 apart); NaN
/// matches only NaN.
private func ulpDistance(_ a: Float, _ b: Float) -> Double {
  if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .infinity }
  func ordered(_ x: Float) -> Int64 {
    let bits = Int64(Int32(bitPattern: x.bitPattern))
    return bits < 0 ? Int64(Int32.min) - bits : bits
  }
  return Double(abs(ordered(a) - ordered(b)))
}

/// The kernel's result and the reference's (as float32, rounded once to Float).
private func bothResults(
  _ loss: Loss, _ yTrue: Tensor<Float>, _ yPred: Tensor<Float>, sampleWeight: Tensor<Float>? = nil,
  reduction: Reduction = .sumOverBatchSize
) throws -> (kernel: Tensor<Float>, reference: Tensor<Float>) {
  let kernel = try Float32Loss.evaluate(
    loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction)
  let reference = try Reference.evaluate(
    loss, yTrue: yTrue.map(Double.init), yPred: yPred.map(Double.init),
    sampleWeight: sampleWeight.map { $0.map(Double.init) }, reduction: reduction, as: .float32)
  return (kernel, reference.map { Float($0) })
}

/// The largest ULP distance between the kernel and the reference; records a shape mismatch.
private func worstDistance(
  _ loss: Loss, _ yTrue: Tensor<Float>, _ yPred: Tensor<Float>, sampleWeight: Tensor<Float>? = nil,
  reduction: Reduction = .sumOverBatchSize
) throws -> Double {
  let (kernel, reference) = try bothResults(loss, yTrue, yPred, sampleWeight: sampleWeight, reduction: reduction)
  #expect(kernel.shape == reference.shape, "\(loss) \(yPred.shape)")
  return zip(kernel.scalars, reference.scalars).map { ulpDistance($0, $1) }.max() ?? 0
}

private func tensor(_ rows: [[Float]]) -> Tensor<Float> {
  // The test literals are rectangular.
  try! Tensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0 })
}

/// The case and argument of a `LossError`, the parts the kernels must share with the reference.
private func signature(_ error: any Error) -> String {
  guard let error = error as? LossError else { return "not a LossError: \(error)" }
  switch error {
  case .invalidShape(let argument, _, _): return "invalidShape(\(argument))"
  case .incompatibleShapes(let argument, _, _, _, _): return "incompatibleShapes(\(argument))"
  case .invalidValue(let argument, let index, _, _): return "invalidValue(\(argument), \(index))"
  case .invalidOption(let name, _, _): return "invalidOption(\(name))"
  }
}

// MARK: - Random agreement with the reference

/// How a case draws its inputs.
private enum Draw: Sendable {
  /// y in {0, 1} (or uniform in [0, 1] when soft), probabilities in [0.001, 0.999].
  case binaryProbabilities(soft: Bool)
  /// y as above, logits in [−6, 6].
  case binaryLogits(soft: Bool)
  /// One-hot (or normalised random) rows along `axis`; probabilities normalised, or logits in [−3, 3].
  case categorical(soft: Bool, logits: Bool)
  /// Integer labels along `axis`; probabilities in [0.001, 1) or logits in [−3, 3].
  case sparse(logits: Bool)
  /// Integer labels of p.shape.dropLast.
  case generalized
}

private struct AgreementCase: Sendable, CustomTestStringConvertible {
  var name: String
  var loss: Loss
  var draw: Draw
  var axis: Int = -1
  /// The documented bound, in ULPs of the Float result (integers: Floats are a grid).
  var bound: Double = 1

  var testDescription: String { name }

  static let all: [AgreementCase] = [
    AgreementCase(name: "BCE", loss: .binaryCrossentropy(), draw: .binaryProbabilities(soft: false)),
    AgreementCase(name: "BCE soft labels", loss: .binaryCrossentropy(), draw: .binaryProbabilities(soft: true)),
    AgreementCase(
      name: "BCE ls=0.1", loss: .binaryCrossentropy(labelSmoothing: 0.1), draw: .binaryProbabilities(soft: false)),
    AgreementCase(
      name: "BCE axis 0", loss: .binaryCrossentropy(axis: 0), draw: .binaryProbabilities(soft: false), axis: 0),
    AgreementCase(name: "BCE logits", loss: .binaryCrossentropy(fromLogits: true), draw: .binaryLogits(soft: false)),
    AgreementCase(
      name: "BCE logits soft ls=0.2", loss: .binaryCrossentropy(fromLogits: true, labelSmoothing: 0.2),
      draw: .binaryLogits(soft: true)),
    AgreementCase(name: "binary focal", loss: .binaryFocalCrossentropy(), draw: .binaryProbabilities(soft: false)),
    AgreementCase(
      name: "binary focal balanced γ=1.5 ls", loss: .binaryFocalCrossentropy(
        applyClassBalancing: true, alpha: 0.3, gamma: 1.5, labelSmoothing: 0.1),
      draw: .binaryProbabilities(soft: true)),
    AgreementCase(
      name: "binary focal logits", loss: .binaryFocalCrossentropy(fromLogits: true), draw: .binaryLogits(soft: false)),
    AgreementCase(
      name: "binary focal logits balanced γ=3 axis 0",
      loss: .binaryFocalCrossentropy(applyClassBalancing: true, gamma: 3, fromLogits: true, axis: 0),
      draw: .binaryLogits(soft: true), axis: 0),
    AgreementCase(name: "CCE", loss: .categoricalCrossentropy(), draw: .categorical(soft: false, logits: false)),
    AgreementCase(
      name: "CCE soft ls=0.1", loss: .categoricalCrossentropy(labelSmoothing: 0.1),
      draw: .categorical(soft: true, logits: false)),
    AgreementCase(
      name: "CCE axis 0", loss: .categoricalCrossentropy(axis: 0), draw: .categorical(soft: false, logits: false),
      axis: 0),
    AgreementCase(
      name: "CCE logits", loss: .categoricalCrossentropy(fromLogits: true), draw: .categorical(soft: false, logits: true)
    ),
    AgreementCase(
      name: "CCE logits soft ls=0.1 axis 0", loss: .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1, axis: 0),
      draw: .categorical(soft: true, logits: true), axis: 0),
    AgreementCase(
      name: "categorical focal", loss: .categoricalFocalCrossentropy(), draw: .categorical(soft: false, logits: false)),
    AgreementCase(
      name: "categorical focal γ=0.5 ls", loss: .categoricalFocalCrossentropy(gamma: 0.5, labelSmoothing: 0.1),
      draw: .categorical(soft: true, logits: false)),
    AgreementCase(
      name: "categorical focal logits", loss: .categoricalFocalCrossentropy(fromLogits: true),
      draw: .categorical(soft: false, logits: true)),
    AgreementCase(
      name: "categorical focal logits ls axis 0",
      loss: .categoricalFocalCrossentropy(fromLogits: true, labelSmoothing: 0.1, axis: 0),
      draw: .categorical(soft: true, logits: true), axis: 0),
    AgreementCase(name: "SCCE", loss: .sparseCategoricalCrossentropy(), draw: .sparse(logits: false)),
    AgreementCase(
      name: "SCCE logits", loss: .sparseCategoricalCrossentropy(fromLogits: true), draw: .sparse(logits: true)),
    AgreementCase(
      name: "SCCE logits axis 0", loss: .sparseCategoricalCrossentropy(fromLogits: true, axis: 0),
      draw: .sparse(logits: true), axis: 0),
    AgreementCase(name: "GCE q=0.7", loss: .categoricalGeneralizedCrossEntropy(q: 0.7), draw: .generalized),
  ]
}

/// Shapes with tails that are not multiples of 8, lanes of length 1, and one long row.
private let agreementShapes: [[Int]] = [[1], [5], [8], [13], [3, 7], [2, 16], [4, 67], [9, 130], [6, 1, 3], [3, 2, 300]]

private func draw(_ c: AgreementCase, shape: [Int], random: inout XentRandom) -> (Tensor<Float>, Tensor<Float>) {
  let count = shape.reduce(1, *)
  let axis = c.axis < 0 ? c.axis + shape.count : c.axis
  let classes = shape[axis]
  let stride = shape[(axis + 1)...].reduce(1, *)
  func rows(_ body: ([Int]) -> Void) {
    for base in 0..<count where (base / stride) % classes == 0 {
      body((0..<classes).map { base + $0 * stride })
    }
  }
  switch c.draw {
  case .binaryProbabilities(let soft), .binaryLogits(let soft):
    let logits: Bool
    if case .binaryLogits = c.draw { logits = true } else { logits = false }
    let y = (0..<count).map { _ in soft ? random.unit() : Float(random.index(2)) }
    let p = (0..<count).map { _ in logits ? random.uniform(-6, 6) : random.uniform(0.001, 0.999) }
    return (try! Tensor(shape: shape, scalars: y), try! Tensor(shape: shape, scalars: p))
  case .categorical(let soft, let logits):
    var y = [Float](repeating: 0, count: count)
    var p = (0..<count).map { _ in logits ? random.uniform(-3, 3) : random.uniform(0.001, 1) }
    rows { offsets in
      let hot = random.index(offsets.count)
      var total: Float = 0
      for (k, i) in offsets.enumerated() {
        y[i] = soft ? random.unit() + 0.01 : (k == hot ? 1 : 0)
        total += y[i]
      }
      if soft { for i in offsets { y[i] /= total } }
      if !logits {
        let sum = offsets.reduce(Float(0)) { $0 + p[$1] }
        for i in offsets { p[i] /= sum }
      }
    }
    return (try! Tensor(shape: shape, scalars: y), try! Tensor(shape: shape, scalars: p))
  case .sparse(let logits):
    var labelShape = shape
    labelShape.remove(at: axis)
    let labels = (0..<(count / classes)).map { _ in Float(random.index(classes)) }
    let p = (0..<count).map { _ in logits ? random.uniform(-3, 3) : random.uniform(0.001, 1) }
    return (try! Tensor(shape: labelShape, scalars: labels), try! Tensor(shape: shape, scalars: p))
  case .generalized:
    let last = shape.last ?? 1
    let labels = (0..<(count / last)).map { _ in Float(random.index(last)) }
    let p = (0..<count).map { _ in random.uniform(0.001, 1) }
    return (try! Tensor(shape: Array(shape.dropLast()), scalars: labels), try! Tensor(shape: shape, scalars: p))
  }
}

@Suite("Crossentropy kernels agree with the float32 reference")
struct CrossentropyAgreementTests {
  @Test(arguments: AgreementCase.all)
  fileprivate func randomInputs(_ c: AgreementCase) throws {
    var random = XentRandom(state: 0x5eed_0000 &+ UInt64(c.name.utf8.count))
    var worst = 0.0
    for shape in agreementShapes {
      // The generalized loss needs more than one class on its last axis to be interesting,
      // and sparse labels need a class axis of the rank.
      if case .generalized = c.draw, shape.count < 2 { continue }
      if c.axis == 0, shape.count < 2 { continue }
      for trial in 0..<6 {
        let (y, p) = draw(c, shape: shape, random: &random)
        for reduction in [Reduction.none, .sumOverBatchSize, .sum] {
          let d = try worstDistance(c.loss, y, p, reduction: reduction)
          #expect(d <= c.bound, "\(c.name) shape \(shape) trial \(trial) \(reduction): \(d) ulp")
          worst = max(worst, d)
        }
      }
    }
    #expect(worst <= c.bound)
  }

  @Test(arguments: AgreementCase.all)
  fileprivate func sampleWeights(_ c: AgreementCase) throws {
    var random = XentRandom(state: 0xfeed &+ UInt64(c.name.utf8.count))
    let shape = [6, 11]
    let (y, p) = draw(c, shape: shape, random: &random)
    // Per-sample results of shape [6] (axis −1) or [11] (axis 0).
    let samples = c.axis == 0 ? 11 : 6
    let weights = Tensor((0..<samples).map { _ in random.uniform(0, 2) })
    for reduction in [Reduction.none, .sumOverBatchSize, .sum, .meanWithSampleWeight] {
      let d = try worstDistance(c.loss, y, p, sampleWeight: weights, reduction: reduction)
      #expect(d <= c.bound, "\(c.name) \(reduction): \(d) ulp")
    }
  }

  /// 2²⁰ elements: categorical as 1024 rows of 1024 classes, binary as 1024 rows of 1024.
  @Test(arguments: [
    AgreementCase.all[0], AgreementCase.all[4], AgreementCase.all[13], AgreementCase.all[20],
  ])
  fileprivate func largeInputs(_ c: AgreementCase) throws {
    var random = XentRandom(state: 2024)
    let (y, p) = draw(c, shape: [1024, 1024], random: &random)
    #expect(try worstDistance(c.loss, y, p) <= c.bound)
  }
}

// MARK: - Keras's float32 numbers (spec §10)

@Suite("Crossentropy kernels reproduce Keras's float32 values")
struct CrossentropyKerasValueTests {
  /// Keras's printed float32 values carry their own rounding; 2e-6 relative covers it.
  private func expectValues(
    _ loss: Loss, _ yTrue: Tensor<Float>, _ yPred: Tensor<Float>, sampleWeight: Tensor<Float>? = nil,
    reduction: Reduction = .sumOverBatchSize, _ expected: [Float], relative: Float = 2e-6, absolute: Float = 0
  ) throws {
    let got = try Float32Loss.evaluate(loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction)
    #expect(got.scalars.count == expected.count)
    for (g, e) in zip(got.scalars, expected) {
      #expect(abs(g - e) <= max(relative * abs(e), absolute), "\(loss): got \(g), Keras \(e)")
    }
  }

  @Test func binaryCrossentropyLimits() throws {
    try expectValues(.binaryCrossentropy(), tensor([[1]]), tensor([[0]]), reduction: .none, [16.118095])
    try expectValues(.binaryCrossentropy(), tensor([[0]]), tensor([[1]]), reduction: .none, [15.942385])
    try expectValues(.binaryCrossentropy(), tensor([[1]]), tensor([[1]]), reduction: .none, [1.1920929e-07])
    try expectValues(.binaryCrossentropy(labelSmoothing: 0.1), tensor([[1]]), tensor([[0.9]]), [0.21522179])
  }

  @Test func binaryCrossentropyLogitsRow() throws {
    // Keras's float32 gives 0 for x = 100 where the exact value is log1p(e⁻¹⁰⁰) ≈ 3.7e-44.
    try expectValues(
      .binaryCrossentropy(fromLogits: true), tensor([[1], [1], [1], [1], [1]]),
      tensor([[-100], [-20], [0], [20], [100]]), reduction: .none,
      [100, 20, 0.69314718, 2.0611537e-09, 0], absolute: 0x1p-133)
  }

  @Test func categoricalCrossentropy() throws {
    try expectValues(.categoricalCrossentropy(), tensor([[0, 1, 0]]), tensor([[1, 0, 0]]), [16.118095])
    try expectValues(.categoricalCrossentropy(), tensor([[1, 0, 0]]), tensor([[2, 1, 1]]), [0.6931472])
    try expectValues(
      .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), tensor([[0, 1, 0]]), tensor([[1, 2, 3]]),
      [1.4076059])
  }

  @Test func sparseCategoricalCrossentropy() throws {
    let p = tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    try expectValues(.sparseCategoricalCrossentropy(), Tensor([1, 2]), p, reduction: .none, [0.0512933, 2.3025851], relative: 1e-5)
    let logits = tensor([[1, 2, 3], [1, 2, 3], [1, 2, 3], [3, 2, 1]])
    let labels = Tensor<Float>([0, 2, -1, 1])
    let loss = Loss.sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1)
    try expectValues(loss, labels, logits, reduction: .none, [2.4076059, 0.4076059, 0, 1.4076059])
    try expectValues(loss, labels, logits, [1.4076059])
    try expectValues(loss, labels, logits, reduction: .sum, [4.2228174])
    try expectValues(loss, labels, logits, sampleWeight: Tensor([1, 2, 3, 4]), [2.9510806])
  }

  @Test func focalCrossentropies() throws {
    let y = tensor([[1, 0]])
    let p = tensor([[0.8, 0.3]])
    try expectValues(.binaryFocalCrossentropy(), y, p, [0.020513243])
    try expectValues(.binaryFocalCrossentropy(applyClassBalancing: true), y, p, [0.0131535], relative: 5e-6)
    try expectValues(.binaryFocalCrossentropy(applyClassBalancing: true, labelSmoothing: 0.1), y, p, [0.016939633])
    try expectValues(.binaryFocalCrossentropy(gamma: 0, fromLogits: true), tensor([[1]]), tensor([[-50]]), [16.118095])
    let yc = tensor([[0, 1, 0]])
    let pc = tensor([[0.2, 0.7, 0.1]])
    try expectValues(.categoricalFocalCrossentropy(), yc, pc, [0.008025187])
    try expectValues(.categoricalFocalCrossentropy(alpha: [0.1, 0.2, 0.7]), yc, pc, [0.0064201], relative: 1e-5)
    try expectValues(.categoricalFocalCrossentropy(fromLogits: true), yc, tensor([[1, 2, 3]]), [0.20073695])
    try expectValues(.categoricalFocalCrossentropy(labelSmoothing: 0.1), yc, pc, [0.031616293])
  }

  @Test func generalizedCrossentropy() throws {
    let q = Loss.categoricalGeneralizedCrossEntropy(q: 0.5)
    try expectValues(q, Tensor([0, 1]), tensor([[0.7, 0.3], [0.2, 0.8]]), reduction: .none, [0.32667994, 0.21114564])
    try expectValues(q, Tensor([0]), tensor([[0, 1]]), reduction: .none, [2])
  }
}

// MARK: - Edge values

@Suite("Crossentropy kernels match the reference on edge values")
struct CrossentropyEdgeTests {
  /// Probabilities at and beyond the clip bounds, subnormals, ±∞ and NaN.
  static let probabilities: [Float] = [
    0, 1, Float(1e-7), 1 - 0x1p-23, 0x1p-149, Float.leastNormalMagnitude, 0.5, 1 - 0x1p-24, 2, -0.5,
    .infinity, -.infinity, .nan,
  ]
  /// Logits at the extremes, subnormals, ±∞ and NaN.
  static let logits: [Float] = [0, -0.0, 1e4, -1e4, 100, -100, 20, -20, 0x1p-149, 88.8, -104, .infinity, -.infinity, .nan]

  private func expectElementwise(_ loss: Loss, predictions: [Float], labels: [Float]) throws {
    for y in labels {
      for p in predictions {
        let (kernel, reference) = try bothResults(loss, tensor([[y]]), tensor([[p]]), reduction: .none)
        #expect(ulpDistance(kernel.scalars[0], reference.scalars[0]) <= 1, "\(loss) y=\(y) p=\(p): \(kernel.scalars[0]) vs \(reference.scalars[0])")
      }
    }
  }

  @Test func binaryProbabilities() throws {
    try expectElementwise(.binaryCrossentropy(), predictions: Self.probabilities, labels: [0, 1, 0.25, 2, .nan])
    try expectElementwise(.binaryCrossentropy(labelSmoothing: 0.3), predictions: Self.probabilities, labels: [0, 1])
    try expectElementwise(
      .binaryFocalCrossentropy(applyClassBalancing: true), predictions: Self.probabilities, labels: [0, 1, 0.25])
  }

  @Test func binaryLogits() throws {
    try expectElementwise(.binaryCrossentropy(fromLogits: true), predictions: Self.logits, labels: [0, 1, 0.25, .nan])
    try expectElementwise(
      .binaryFocalCrossentropy(gamma: 1.5, fromLogits: true), predictions: Self.logits, labels: [0, 1, 0.25])
  }

  @Test func categoricalRows() throws {
    let rows: [[Float]] = [
      [0, 0, 0], [1, 0, 0], [0, 1, 0], [1e-7, 1 - 0x1p-23, 0], [0x1p-149, 0x1p-149, 0], [2, -1, 1],
      [.nan, 0.5, 0.5], [.infinity, 1, 0], [1e4, -1e4, 0], [-.infinity, 0, 1], [-.infinity, -.infinity, -.infinity],
    ]
    let labels: [[Float]] = [[0, 1, 0], [1, 0, 0], [0.2, 0.3, 0.5]]
    for loss in [
      Loss.categoricalCrossentropy(), .categoricalCrossentropy(fromLogits: true),
      .categoricalCrossentropy(labelSmoothing: 0.1), .categoricalFocalCrossentropy(),
      .categoricalFocalCrossentropy(fromLogits: true),
    ] {
      for row in rows {
        for y in labels {
          let (kernel, reference) = try bothResults(loss, tensor([y]), tensor([row]), reduction: .none)
          #expect(ulpDistance(kernel.scalars[0], reference.scalars[0]) <= 1, "\(loss) y=\(y) row=\(row): \(kernel.scalars[0]) vs \(reference.scalars[0])")
        }
      }
    }
  }

  @Test func allZeroProbabilityRowIsNaN() throws {
    let got = try Float32Loss.evaluate(.categoricalCrossentropy(), yTrue: tensor([[0, 1]]), yPred: tensor([[0, 0]]), reduction: .none)
    #expect(got.scalars[0].isNaN)
    let sparse = try Float32Loss.evaluate(.sparseCategoricalCrossentropy(), yTrue: Tensor([1]), yPred: tensor([[0, 0]]), reduction: .none)
    #expect(sparse.scalars[0].isNaN)
  }

  @Test func sparseRows() throws {
    let rows: [[Float]] = [[1, 2, 3], [0, 0, 1], [1e4, -1e4, 0], [-.infinity, 0, 1], [.infinity, 0, 1], [.nan, 0, 1], [0.2, 0.3, 0.5]]
    for fromLogits in [false, true] {
      for row in rows {
        for label in [Float(0), 1, 2] {
          let (kernel, reference) = try bothResults(
            .sparseCategoricalCrossentropy(fromLogits: fromLogits), Tensor([label]), tensor([row]), reduction: .none)
          #expect(ulpDistance(kernel.scalars[0], reference.scalars[0]) <= 1, "row \(row) label \(label) logits \(fromLogits)")
        }
      }
    }
  }

  @Test func ignoredEntriesAreMaskedOut() throws {
    let loss = Loss.sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 7)
    let logits = tensor([[1, 2, 3], [3, 2, 1], [0, 0, 0]])
    for reduction in [Reduction.none, .sum, .sumOverBatchSize, .mean, .meanWithSampleWeight] {
      for labels in [Tensor<Float>([7, 1, 7]), Tensor([7, 7, 7]), Tensor([0, 1, 2])] {
        let (kernel, reference) = try bothResults(loss, labels, logits, reduction: reduction)
        #expect(zip(kernel.scalars, reference.scalars).allSatisfy { ulpDistance($0, $1) <= 1 }, "\(labels) \(reduction)")
      }
    }
  }

  @Test func generalizedSingleClassBroadcasts() throws {
    // C = 1: Keras's one-hot labels (B, 1) broadcast against (B, 1) predictions to (B, B, 1).
    let (kernel, reference) = try bothResults(
      .categoricalGeneralizedCrossEntropy(q: 0.5), Tensor([0, 0, 0]), tensor([[0.3], [0.6], [0.9]]), reduction: .none)
    #expect(kernel.shape == reference.shape)
    #expect(zip(kernel.scalars, reference.scalars).allSatisfy { ulpDistance($0, $1) <= 1 })
  }

  @Test func confidentRows() throws {
    // Loss ≈ S − 1 ≪ 1: the exact 1 of the maximum must not absorb the other terms.
    var row = [Float](repeating: -8, count: 200)
    row[17] = 9
    let y = (0..<200).map { Float($0 == 17 ? 1 : 0) }
    let shape = [1, 200]
    for loss in [Loss.categoricalCrossentropy(fromLogits: true), .sparseCategoricalCrossentropy(fromLogits: true)] {
      let labels = loss.name == .sparseCategoricalCrossentropy ? Tensor<Float>([17]) : try Tensor(shape: shape, scalars: y)
      let d = try worstDistance(loss, labels, try Tensor(shape: shape, scalars: row), reduction: .none)
      #expect(d <= 2, "\(loss): \(d) ulp")
    }
  }
}

// MARK: - Bad input

@Suite("Crossentropy kernels reject bad input as the reference does")
struct CrossentropyBadInputTests {
  private func expectSameError(
    _ loss: Loss, _ yTrue: Tensor<Float>, _ yPred: Tensor<Float>, sampleWeight: Tensor<Float>? = nil
  ) {
    var kernelError = "no error"
    var referenceError = "no error"
    do { _ = try Float32Loss.evaluate(loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight) } catch {
      kernelError = signature(error)
    }
    do {
      _ = try Reference.evaluate(
        loss, yTrue: yTrue.map(Double.init), yPred: yPred.map(Double.init),
        sampleWeight: sampleWeight.map { $0.map(Double.init) }, as: .float32)
    } catch {
      referenceError = signature(error)
    }
    #expect(referenceError != "no error", "\(loss) \(yTrue.shape) \(yPred.shape) should fail")
    #expect(kernelError == referenceError, "\(loss) \(yTrue.shape) \(yPred.shape)")
  }

  @Test func shapesAndAxes() {
    let p23 = tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    for loss in [
      Loss.binaryCrossentropy(), .binaryCrossentropy(fromLogits: true), .binaryFocalCrossentropy(),
      .categoricalCrossentropy(), .categoricalCrossentropy(fromLogits: true), .categoricalFocalCrossentropy(),
    ] {
      expectSameError(loss, tensor([[1, 0], [0, 1]]), p23)
      expectSameError(loss, Tensor([1, 0, 0]), p23)
      expectSameError(loss, Tensor(scalar: 1), Tensor(scalar: 0.5))
    }
    expectSameError(.binaryCrossentropy(axis: 2), tensor([[1, 0, 0], [0, 1, 0]]), p23)
    expectSameError(.categoricalCrossentropy(axis: -3), tensor([[1, 0, 0], [0, 1, 0]]), p23)
    expectSameError(.categoricalCrossentropy(), try! Tensor(shape: [2, 0], scalars: []), try! Tensor(shape: [2, 0], scalars: []))
    expectSameError(.categoricalFocalCrossentropy(alpha: [0.1, 0.2]), tensor([[1, 0, 0]]), tensor([[0.2, 0.3, 0.5]]))
    expectSameError(
      .binaryCrossentropy(), tensor([[1, 0], [0, 1], [1, 1]]), tensor([[0.5, 0.5], [0.2, 0.3], [0.9, 0.1]]),
      sampleWeight: Tensor([1, 2]))
  }

  @Test func sparseLabels() {
    let p = tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    for fromLogits in [false, true] {
      let loss = Loss.sparseCategoricalCrossentropy(fromLogits: fromLogits)
      expectSameError(loss, Tensor([0, 3]), p)
      expectSameError(loss, Tensor([-1, 0]), p)
      expectSameError(loss, Tensor([0.5, 1]), p)
      expectSameError(loss, Tensor([.nan, 1]), p)
      expectSameError(loss, Tensor([0, 1, 2]), p)
      expectSameError(loss, tensor([[0, 1]]), p)
      expectSameError(.sparseCategoricalCrossentropy(fromLogits: fromLogits, ignoreClass: -1), Tensor([-2, 1]), p)
      expectSameError(.sparseCategoricalCrossentropy(fromLogits: fromLogits, axis: 2), Tensor([0, 1]), p)
      expectSameError(loss, Tensor(scalar: 0), Tensor(scalar: 0.5))
    }
  }

  @Test func generalizedLabels() {
    let p = tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    let loss = Loss.categoricalGeneralizedCrossEntropy(q: 0.5)
    expectSameError(loss, Tensor([0, 3]), p)
    expectSameError(loss, Tensor([0.5, 1]), p)
    expectSameError(loss, Tensor([0, 1, 2]), p)
    expectSameError(loss, Tensor([0, 1]), try! Tensor(shape: [2, 0], scalars: []))
    expectSameError(.categoricalGeneralizedCrossEntropy(q: 1.5), Tensor([0, 1]), p)
  }
}

// MARK: - Product lanes and shifted exponentials

@Suite("Crossentropy kernels' product lanes and shifted row exponentials")
struct CrossentropyFastPathTests {
  /// The ULP distance on one lane of `count` copies of (y, p), per-sample results.
  private func uniformLane(_ loss: Loss, y: Float, p: Float, count n: Int) throws -> Double {
    let y = try Tensor(shape: [1, n], scalars: [Float](repeating: y, count: n))
    let p = try Tensor(shape: [1, n], scalars: [Float](repeating: p, count: n))
    return try worstDistance(loss, y, p, reduction: .none)
  }

  /// Identical terms, where the error of each term cannot average out: the mean must stay within
  /// 1 ULP (LogProduct's bound is ½ ULP + 2⁻²⁹). p = 1e-9 clips to eps, a factor of about 2⁻²³:
  /// 100 003 of them underflow any Double product that is not renormalized.
  @Test(arguments: [16, 1000, 100_003])
  func hardLabelProbabilityLanes(_ n: Int) throws {
    for (y, p) in [(Float(1), Float(0.3)), (0, 0.3), (1, 1e-9), (0, 1e-9), (1, 0.9999999), (0, 0.9999999), (0, 1)] {
      let d = try uniformLane(.binaryCrossentropy(), y: y, p: p, count: n)
      #expect(d <= 1, "y \(y), p \(p), n \(n): \(d) ulp")
    }
  }

  /// Logits on the label's side give log1p(e^−|x|) alone: at |x| = 30 that is 9.4e-14, which a
  /// product of the factors 1 + v would round away (Log1pProduct carries Π(1 + v) − 1 instead).
  /// x = 0 doubles 1 + D per element: 5000 elements pass 2⁶⁴ and renormalize. |x| = 86.5 is
  /// beyond the fast path's domain (the lane takes its terms one by one).
  @Test(arguments: [16, 203, 5000])
  func logitLanes(_ n: Int) throws {
    let cases: [(Float, Float)] = [(1, 30), (0, -30), (1, -30), (0, 0), (1, 5.5), (0, 85.9), (1, 86.5), (0.3, 2)]
    for (y, x) in cases {
      for loss in [Loss.binaryCrossentropy(fromLogits: true), .binaryCrossentropy(fromLogits: true, labelSmoothing: 0.2)] {
        let d = try uniformLane(loss, y: y, p: x, count: n)
        #expect(d <= 1, "\(loss) y \(y), x \(x), n \(n): \(d) ulp")
      }
    }
  }

  /// Predictions of shape (batch, 1), reduced without weights: the lanes of one element are
  /// summed as one product lane (the mean of the lane means is Σ terms / length).
  @Test func columnsReduceAsOneLane() throws {
    var random = XentRandom(state: 1)
    let n = 1000
    let y = (0..<n).map { _ in Float(random.index(2)) }
    let p = (0..<n).map { _ in random.uniform(0.001, 0.999) }
    let x = (0..<n).map { _ in random.uniform(-20, 20) }
    var soft = y
    soft[500] = 0.5
    for labels in [y, soft] {
      let yt = try Tensor(shape: [n, 1], scalars: labels)
      for reduction in [Reduction.sumOverBatchSize, .sum] {
        let probabilities = try worstDistance(
          .binaryCrossentropy(), yt, try Tensor(shape: [n, 1], scalars: p), reduction: reduction)
        let logits = try worstDistance(
          .binaryCrossentropy(fromLogits: true), yt, try Tensor(shape: [n, 1], scalars: x), reduction: reduction)
        #expect(probabilities <= 1, "\(reduction): \(probabilities) ulp")
        #expect(logits <= 1, "\(reduction): \(logits) ulp")
      }
    }
  }

  /// Labels that switch from hard to soft, and logits that leave the domain, mid-lane.
  @Test func mixedLogitLanes() throws {
    var random = XentRandom(state: 86)
    let n = 700
    var y = (0..<n).map { _ in Float(random.index(2)) }
    var x = (0..<n).map { _ in random.uniform(-12, 12) }
    y[400] = 0.25
    let loss = Loss.binaryCrossentropy(fromLogits: true)
    let yt = try Tensor(shape: [1, n], scalars: y)
    #expect(try worstDistance(loss, yt, try Tensor(shape: [1, n], scalars: x), reduction: .none) <= 1)
    x[650] = -120
    #expect(try worstDistance(loss, yt, try Tensor(shape: [1, n], scalars: x), reduction: .none) <= 1)
  }

  /// Rows of logits near ±200 and −300 (|m| ≥ 174: x − m is exact and the shift is m itself), and
  /// rows of 10 000 classes whose maximum keeps growing (each 64-element block rescales the sum).
  @Test func shiftedRows() throws {
    var random = XentRandom(state: 174)
    for (base, n) in [(Float(200), 300), (-300, 300), (173.5, 300), (0, 10_000), (-200, 10_000)] {
      let ramp = n > 4096
      let row = (0..<n).map { i in ramp ? base + Float(i) * 0.002 + random.uniform(-1, 0) : base + random.uniform(-6, 0) }
      let label = random.index(n)
      let y = (0..<n).map { Float($0 == label ? 1 : 0) }
      let logits = try Tensor(shape: [1, n], scalars: row)
      let sparse = try worstDistance(
        .sparseCategoricalCrossentropy(fromLogits: true), Tensor([Float(label)]), logits, reduction: .none)
      let categorical = try worstDistance(
        .categoricalCrossentropy(fromLogits: true), try Tensor(shape: [1, n], scalars: y), logits, reduction: .none)
      #expect(sparse <= 1, "base \(base), n \(n): \(sparse) ulp")
      #expect(categorical <= 1, "base \(base), n \(n): \(categorical) ulp")
    }
  }

  /// A confident row at m = 200: the loss is S − 1 ≈ 2e-6. There the shift is m itself, so the
  /// maximum's term is exactly 1 (`confidentRows`, at m = 9, covers the replacement of the
  /// computed term by the exact one: without it that test is 7707 ULP off).
  @Test func confidentShiftedRow() throws {
    var row = [Float](repeating: 180, count: 1000)
    row[3] = 200
    let logits = try Tensor(shape: [1, 1000], scalars: row)
    let d = try worstDistance(.sparseCategoricalCrossentropy(fromLogits: true), Tensor([3]), logits, reduction: .none)
    #expect(d <= 2, "\(d) ulp")
  }
}
