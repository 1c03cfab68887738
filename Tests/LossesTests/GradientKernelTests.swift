//===--- GradientKernelTests.swift ----------------------------------------===//
//
// The Float32 gradient kernels (`Float32Loss.gradient`, `valueAndGradient` and
// their buffer variants) against `Reference.gradient(..., as: .float32)`:
// seeded random inputs at several shapes (tails not multiples of 8), every
// reduction, with and without sample weights, the loss options; each element
// within the bound its kernel documents (ULPs of the element plus a condition
// term where its terms cancel). Also: value and gradient together equal them
// apart, JAX's clip and kink conventions, and the errors of bad input.
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

/// SplitMix64, mapped to Floats by its own rule so a seed replays anywhere.
private struct GradientRandom {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A Float in [a, b).
  mutating func uniform(_ a: Float, _ b: Float) -> Float {
    a + (b - a) * (Float(next() >> 40) * 0x1p-24)
  }

  mutating func int(below n: Int) -> Int { Int(next() % UInt64(n)) }

  mutating func scalars(_ count: Int, _ a: Float, _ b: Float) -> [Float] {
    (0..<count).map { _ in uniform(a, b) }
  }
}

private let u = 0x1p-24

/// One family of inputs for one loss with its documented bound.
private struct GradientCase {
  let name: String
  let loss: Loss
  /// y_true and y_pred for a y_pred shape (the last axis is the class/feature axis).
  let inputs: (inout GradientRandom, [Int]) -> (y: Tensor<Float>, p: Tensor<Float>)
  /// The bound's ULPs of each element.
  let ulps: Double
  /// The condition term's multiple of u and its scale per element of y_pred, from the inputs and
  /// the per-lane upstream factors (lanes along the last axis).
  var condition: (k: Double, scale: (_ y: [Float], _ p: [Float], _ n: Int, _ g: [Double]) -> [Double])? = nil
  var shapes: [[Int]] = standardShapes
  /// Whether per-sample losses are reduced over the last axis only (sample weights of shape
  /// y_pred.shape.dropLast() apply).
  var laneLoss = true
}

private let standardShapes: [[Int]] = [[7], [3, 5], [4, 13], [2, 3, 17], [5, 64], [3, 100], [2, 1031]]

private func tensor(_ shape: [Int], _ scalars: [Float]) -> Tensor<Float> {
  try! Tensor(shape: shape, scalars: scalars)
}

private func elementwise(
  _ yRange: (Float, Float), _ pRange: (Float, Float)
) -> (inout GradientRandom, [Int]) -> (y: Tensor<Float>, p: Tensor<Float>) {
  { r, shape in
    let n = shape.reduce(1, *)
    return (tensor(shape, r.scalars(n, yRange.0, yRange.1)), tensor(shape, r.scalars(n, pRange.0, pRange.1)))
  }
}

private func binaryLabels(pRange: (Float, Float)) -> (inout GradientRandom, [Int]) -> (y: Tensor<Float>, p: Tensor<Float>) {
  { r, shape in
    let n = shape.reduce(1, *)
    let y = (0..<n).map { _ in Float(r.int(below: 2)) }
    return (tensor(shape, y), tensor(shape, r.scalars(n, pRange.0, pRange.1)))
  }
}

private func oneHot(pRange: (Float, Float), soft: Bool = false) -> (inout GradientRandom, [Int]) -> (y: Tensor<Float>, p: Tensor<Float>) {
  { r, shape in
    let c = shape.last!
    let n = shape.reduce(1, *)
    var y = [Float](repeating: 0, count: n)
    for row in 0..<(n / c) {
      if soft {
        let raw = r.scalars(c, 0, 1)
        let total = raw.reduce(0, +)
        for k in 0..<c { y[row * c + k] = raw[k] / total }
      } else {
        y[row * c + r.int(below: c)] = 1
      }
    }
    return (tensor(shape, y), tensor(shape, r.scalars(n, pRange.0, pRange.1)))
  }
}

private func sparseLabels(pRange: (Float, Float)) -> (inout GradientRandom, [Int]) -> (y: Tensor<Float>, p: Tensor<Float>) {
  { r, shape in
    let c = shape.last!
    let n = shape.reduce(1, *)
    let labels = (0..<(n / c)).map { _ in Float(r.int(below: c)) }
    return (tensor(Array(shape.dropLast()), labels), tensor(shape, r.scalars(n, pRange.0, pRange.1)))
  }
}

/// Rows of probabilities: the softmax of each row of `x`, in Double.
private func softmaxRows(_ x: [Float], _ n: Int) -> [Double] {
  var s = [Double](repeating: 0, count: x.count)
  for row in 0..<(x.count / n) {
    let slice = (0..<n).map { Double(x[row * n + $0]) }
    let m = slice.max()!
    let e = slice.map { exp($0 - m) }
    let total = e.reduce(0, +)
    for k in 0..<n { s[row * n + k] = e[k] / total }
  }
  return s
}

private func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

private let eps32 = Double(Float(1e-7))

private func poissonScale(_ y: [Float], _ p: [Float], _ n: Int, _ g: [Double]) -> [Double] {
  var scale = [Double](repeating: 0, count: p.count)
  for k in 0..<p.count {
    let s: Double = g[k / n] / Double(n)
    let difference: Double = abs(Double(p[k]) - Double(y[k]))
    scale[k] = s * difference / abs(Double(p[k]) + eps32)
  }
  return scale
}

private func smoothedBinaryScale(_ y: [Float], _ p: [Float], _ n: Int, _ g: [Double]) -> [Double] {
  var scale = [Double](repeating: 0, count: p.count)
  for k in 0..<p.count {
    let pc: Double = min(max(Double(p[k]), eps32), 1 - 0x1p-23)
    let t: Double = Double(y[k]) * 0.9 + 0.05
    let s: Double = g[k / n] / Double(n)
    scale[k] = s * t / (pc * (1 - pc))
  }
  return scale
}

private func softLogitsBinaryScale(_ y: [Float], _ p: [Float], _ n: Int, _ g: [Double]) -> [Double] {
  var scale = [Double](repeating: 0, count: p.count)
  for k in 0..<p.count {
    let t: Double = Double(y[k]) * 0.8 + 0.1
    let x = Double(p[k])
    let s: Double = g[k / n] / Double(n)
    // The terms' own errors, and the Float rounding of the smoothed target (≤ 2u·t).
    scale[k] = s * (t * sigmoid(-x) + (1 - t) * sigmoid(x) + 0.4 * t)
  }
  return scale
}

private func probabilityCategoricalScale(_ y: [Float], _ p: [Float], _ n: Int, _ g: [Double]) -> [Double] {
  var scale = [Double](repeating: 0, count: p.count)
  for row in 0..<(p.count / n) {
    var total = 0.0
    for k in 0..<n { total += Double(p[row * n + k]) }
    for k in 0..<n {
      let o: Double = Double(p[row * n + k]) / total
      let t = Double(y[row * n + k])
      scale[row * n + k] = g[row] * (t / o + 1) / total
    }
  }
  return scale
}

private func logitsCategoricalScale(_ y: [Float], _ p: [Float], _ n: Int, _ g: [Double]) -> [Double] {
  let s = softmaxRows(p, n)
  var scale = [Double](repeating: 0, count: p.count)
  for k in 0..<p.count {
    let t: Double = abs(Double(y[k]))
    scale[k] = g[k / n] * (s[k] + t)
  }
  return scale
}

private func unitScale(_ y: [Float], _ p: [Float], _ n: Int, _ g: [Double]) -> [Double] {
  p.map { _ in 1.0 }
}

private func makeCases() -> [GradientCase] {
  var list: [GradientCase] = []
  list.append(
    GradientCase(name: "mean_squared_error", loss: .meanSquaredError, inputs: elementwise((-3, 3), (-3, 3)), ulps: 2))
  list.append(
    GradientCase(name: "mean_absolute_error", loss: .meanAbsoluteError, inputs: elementwise((-3, 3), (-3, 3)), ulps: 1))
  list.append(
    GradientCase(
      name: "mean_absolute_percentage_error", loss: .meanAbsolutePercentageError, inputs: elementwise((-3, 3), (-3, 3)),
      ulps: 2))
  list.append(
    GradientCase(
      name: "mean_squared_logarithmic_error", loss: .meanSquaredLogarithmicError, inputs: elementwise((0, 5), (-1, 5)),
      ulps: 7))
  list.append(
    GradientCase(name: "cosine_similarity", loss: .cosineSimilarity(), inputs: elementwise((-2, 2), (-2, 2)), ulps: 1))
  list.append(
    GradientCase(name: "huber", loss: .huber(), inputs: elementwise((-2, 2), (-2, 2)), ulps: 2))
  list.append(
    GradientCase(name: "huber_delta_0.3", loss: .huber(delta: 0.3), inputs: elementwise((-2, 2), (-2, 2)), ulps: 2))
  list.append(
    GradientCase(name: "log_cosh", loss: .logCosh, inputs: elementwise((-3, 3), (-3, 3)), ulps: 6))
  list.append(
    GradientCase(name: "hinge", loss: .hinge, inputs: binaryLabels(pRange: (-2, 2)), ulps: 1))
  list.append(
    GradientCase(name: "hinge_signed_labels", loss: .hinge, inputs: elementwise((-1, 1), (-2, 2)), ulps: 1))
  list.append(
    GradientCase(name: "squared_hinge", loss: .squaredHinge, inputs: binaryLabels(pRange: (-2, 2)), ulps: 1))
  list.append(
    GradientCase(name: "categorical_hinge", loss: .categoricalHinge, inputs: oneHot(pRange: (-2, 2)), ulps: 1))
  list.append(
    GradientCase(name: "kl_divergence", loss: .klDivergence, inputs: elementwise((0, 1), (0, 1)), ulps: 2))
  list.append(
    GradientCase(
      name: "poisson", loss: .poisson, inputs: elementwise((0, 5), (0.01, 5)), ulps: 3,
      condition: (2, poissonScale)))
  list.append(
    GradientCase(name: "binary_crossentropy", loss: .binaryCrossentropy(), inputs: binaryLabels(pRange: (0, 1)), ulps: 3))
  list.append(
    GradientCase(
      name: "binary_crossentropy_smoothing", loss: .binaryCrossentropy(labelSmoothing: 0.1),
      inputs: binaryLabels(pRange: (0, 1)), ulps: 3,
      condition: (3, smoothedBinaryScale)))
  list.append(
    GradientCase(
      name: "binary_crossentropy_from_logits", loss: .binaryCrossentropy(fromLogits: true),
      inputs: binaryLabels(pRange: (-20, 20)), ulps: 5))
  list.append(
    GradientCase(
      name: "binary_crossentropy_from_logits_soft", loss: .binaryCrossentropy(fromLogits: true, labelSmoothing: 0.2),
      inputs: elementwise((0, 1), (-6, 6)), ulps: 5,
      condition: (5, softLogitsBinaryScale)))
  list.append(
    GradientCase(
      name: "binary_focal_crossentropy", loss: .binaryFocalCrossentropy(), inputs: binaryLabels(pRange: (0.01, 0.99)),
      ulps: 1))
  list.append(
    GradientCase(
      name: "binary_focal_crossentropy_logits_balanced",
      loss: .binaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.3, gamma: 1.5, fromLogits: true, labelSmoothing: 0.1),
      inputs: binaryLabels(pRange: (-5, 5)), ulps: 1))
  list.append(
    GradientCase(
      name: "categorical_crossentropy", loss: .categoricalCrossentropy(), inputs: oneHot(pRange: (0.01, 1)), ulps: 3,
      condition: (2, probabilityCategoricalScale)))
  list.append(
    GradientCase(
      name: "categorical_crossentropy_from_logits", loss: .categoricalCrossentropy(fromLogits: true),
      inputs: oneHot(pRange: (-8, 8)), ulps: 3,
      condition: (3, logitsCategoricalScale)))
  list.append(
    GradientCase(
      name: "categorical_crossentropy_from_logits_soft", loss: .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1),
      inputs: oneHot(pRange: (-8, 8), soft: true), ulps: 3,
      condition: (4, logitsCategoricalScale)))
  list.append(
    GradientCase(
      name: "categorical_focal_crossentropy", loss: .categoricalFocalCrossentropy(), inputs: oneHot(pRange: (0.01, 1)),
      ulps: 1))
  list.append(
    GradientCase(
      name: "categorical_focal_crossentropy_logits",
      loss: .categoricalFocalCrossentropy(alpha: [0.5], gamma: 1.5, fromLogits: true, labelSmoothing: 0.1),
      inputs: oneHot(pRange: (-4, 4)), ulps: 1))
  list.append(
    GradientCase(
      name: "sparse_categorical_crossentropy", loss: .sparseCategoricalCrossentropy(),
      inputs: sparseLabels(pRange: (0.01, 1)), ulps: 1, shapes: standardShapes.filter { $0.count > 1 }))
  list.append(
    GradientCase(
      name: "sparse_categorical_crossentropy_from_logits", loss: .sparseCategoricalCrossentropy(fromLogits: true),
      inputs: sparseLabels(pRange: (-8, 8)), ulps: 4, shapes: standardShapes.filter { $0.count > 1 }))
  list.append(
    GradientCase(
      name: "dice", loss: .dice(axis: [-1]), inputs: binaryLabels(pRange: (0, 1)), ulps: 1))
  list.append(
    GradientCase(
      name: "tversky", loss: .tversky(alpha: 0.7, beta: 0.3, axis: [-1]), inputs: binaryLabels(pRange: (0, 1)), ulps: 1))
  list.append(
    GradientCase(
      name: "dice_all_axes", loss: .dice(), inputs: binaryLabels(pRange: (0, 1)), ulps: 1, laneLoss: false))
  list.append(
    GradientCase(
      name: "categorical_generalized_cross_entropy", loss: .categoricalGeneralizedCrossEntropy(q: 0.7),
      inputs: sparseLabels(pRange: (0.01, 1)), ulps: 1, shapes: standardShapes.filter { $0.count > 1 }))
  return list
}
/// The per-lane upstream factors for weights shaped like the per-sample losses.
private func laneFactors(count: Int, scalarResult: Bool, weights: [Float]?, reduction: Reduction) -> [Double] {
  guard let weights else {
    let passthrough = scalarResult || reduction == .none || reduction == .sum
    return Array(repeating: passthrough ? 1 : 1 / Double(count), count: count)
  }
  switch reduction {
  case .sum, .none: return weights.map(Double.init)
  case .sumOverBatchSize, .mean: return weights.map { Double($0) / Double(count) }
  case .meanWithSampleWeight:
    let total = weights.reduce(0.0) { $0 + Double($1) }
    return weights.map { total == 0 ? 0 : Double($0) / total }
  }
}

/// The largest errors seen per case: in ULPs of the element, and as a fraction of the bound.
private struct Measured {
  var ulps = 0.0
  var ofBound = 0.0
  var elements = 0
}

/// Compares the kernel's gradient with the reference's element by element; returns the measured maxima.
@discardableResult
private func check(
  _ testCase: GradientCase, _ y: Tensor<Float>, _ p: Tensor<Float>, weight: Tensor<Float>?, reduction: Reduction,
  _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) -> Measured {
  var measured = Measured()
  do {
    let got = try Float32Loss.gradient(testCase.loss, yTrue: y, yPred: p, sampleWeight: weight, reduction: reduction)
    let want = try Reference.gradient(
      testCase.loss, yTrue: y.map(Double.init), yPred: p.map(Double.init), sampleWeight: weight?.map(Double.init),
      reduction: reduction, as: .float32)
    #expect(got.shape == want.shape, "\(label)", sourceLocation: sourceLocation)
    let n = p.shape.last ?? 1
    var scales = [Double](repeating: 0, count: p.count)
    if let condition = testCase.condition {
      let g = laneFactors(
        count: p.count / n, scalarResult: p.rank == 1, weights: weight?.scalars, reduction: reduction)
      scales = condition.scale(y.scalars, p.scalars, n, g).map { condition.k * u * $0 }
    }
    for k in 0..<min(got.count, want.count) {
      let g = got.scalars[k]
      let w = want.scalars[k]
      if w.isNaN || g.isNaN {
        #expect(w.isNaN == g.isNaN, "\(label) [\(k)]: kernel \(g), reference \(w)", sourceLocation: sourceLocation)
        continue
      }
      let error = abs(Double(g) - w)
      let ulp = Double(Float(w).ulp)
      let bound = testCase.ulps * ulp + scales[k] + 0x1p-140
      measured.ulps = max(measured.ulps, error / ulp)
      measured.ofBound = max(measured.ofBound, error / bound)
      measured.elements += 1
      if error > bound {
        Issue.record(
          "\(label) [\(k)]: kernel \(g), reference \(w), error \(error / ulp) ULP > bound \(bound / ulp) ULP",
          sourceLocation: sourceLocation)
        return measured
      }
    }
  } catch {
    Issue.record("\(label): \(error)", sourceLocation: sourceLocation)
  }
  return measured
}

// MARK: - Agreement with the reference

@Suite("Gradient kernels")
struct GradientKernelTests {
  @Test("every loss's kernel gradient agrees with the float32 reference within its documented bound")
  func randomInputs() {
    var table: [(String, Measured)] = []
    for (index, testCase) in makeCases().enumerated() {
      var rng = GradientRandom(state: 0x6AD1_E000 + UInt64(index))
      var total = Measured()
      for shape in testCase.shapes {
        for reduction in Reduction.allCases {
          for weighted in [false, true] {
            let (y, p) = testCase.inputs(&rng, shape)
            var weight: Tensor<Float>? = nil
            if weighted {
              guard testCase.laneLoss, shape.count > 1 else { continue }
              let lanes = Array(shape.dropLast())
              weight = tensor(lanes, rng.scalars(lanes.reduce(1, *), 0, 2))
            }
            let m = check(
              testCase, y, p, weight: weight, reduction: reduction,
              "\(testCase.name) \(shape) \(reduction.rawValue)\(weighted ? " weighted" : "") seed \(index)")
            total.ulps = max(total.ulps, m.ulps)
            total.ofBound = max(total.ofBound, m.ofBound)
            total.elements += m.elements
          }
        }
      }
      table.append((testCase.name, total))
    }
    print("gradient kernel vs Reference.gradient(as: .float32): max error per case")
    for (name, m) in table {
      let ulps = (m.ulps * 100).rounded() / 100
      let ofBound = (m.ofBound * 1000).rounded() / 1000
      print("  \(name): \(ulps) ULP (\(ofBound) of the bound) over \(m.elements) elements")
    }
  }

  @Test("other class axes, broadcasting, masks and sequence losses agree with the reference")
  func layouts() {
    var rng = GradientRandom(state: 0xB0AD_CA57)
    // Non-last axes (general path, transposed lanes).
    let (y3, p3) = oneHot(pRange: (-4, 4))(&rng, [3, 6, 5])
    for loss in [Loss.categoricalCrossentropy(fromLogits: true, axis: 1), .categoricalCrossentropy(axis: 1),
                 .binaryCrossentropy(axis: 1), .binaryCrossentropy(fromLogits: true, axis: 0),
                 .cosineSimilarity(axis: 1), .categoricalFocalCrossentropy(alpha: [0.1, 0.2, 0.3, 0.2, 0.2], axis: 1)] {
      let probabilities = loss.isFromLogits ? p3 : p3.map { 1 / (1 + exp(-$0)) }
      let c = GradientCase(name: "\(loss)", loss: loss, inputs: elementwise((0, 1), (0, 1)), ulps: 3,
                           condition: (4, unitScale))
      check(c, y3, probabilities, weight: nil, reduction: .sumOverBatchSize, "\(loss) axis")
    }
    // SCCE on axis 1 and with ignore_class (masked rows: exactly zero gradient).
    let labels = tensor([3, 5], (0..<15).map { _ in Float(rng.int(below: 6)) })
    let c1 = GradientCase(name: "scce axis 1", loss: .sparseCategoricalCrossentropy(fromLogits: true, axis: 1),
                          inputs: elementwise((0, 1), (0, 1)), ulps: 4)
    check(c1, labels, p3.map { $0 }.reshapedOrSame([3, 6, 5]), weight: nil, reduction: .sum, "scce axis 1")
    let ignored = tensor([4], [0, 2, -1, 1])
    let logits = tensor([4, 3], [1, 2, 3, 1, 2, 3, 1, 2, 3, 3, 2, 1])
    for reduction in Reduction.allCases {
      for fromLogits in [true, false] {
        let c = GradientCase(
          name: "scce ignore", loss: .sparseCategoricalCrossentropy(fromLogits: fromLogits, ignoreClass: -1),
          inputs: elementwise((0, 1), (0, 1)), ulps: 4)
        check(c, ignored, logits, weight: tensor([4], [1, 2, 3, 4]), reduction: reduction, "scce ignore \(reduction)")
      }
    }
    let masked = try! Float32Loss.gradient(.sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1),
                                           yTrue: ignored, yPred: logits)
    #expect(masked.scalars[6..<9].allSatisfy { $0 == 0 })
    // Broadcasting: y_pred (1, n) against y_true (m, n) sums over its copies.
    for loss in [Loss.meanSquaredError, .klDivergence, .hinge, .logCosh] {
      let y = tensor([6, 9], rng.scalars(54, 0, 1))
      let p = tensor([1, 9], rng.scalars(9, 0.05, 1))
      let c = GradientCase(name: "\(loss) broadcast", loss: loss, inputs: elementwise((0, 1), (0, 1)), ulps: 6,
                           condition: (8, unitScale))
      check(c, y, p, weight: nil, reduction: .mean, "\(loss) broadcast")
    }
    // Weights broadcasting against per-timestep losses (B, T) with shape (B, 1).
    let yw = tensor([4, 3, 5], rng.scalars(60, -1, 1))
    let pw = tensor([4, 3, 5], rng.scalars(60, -1, 1))
    for reduction in Reduction.allCases {
      let c = GradientCase(name: "mse weights", loss: .meanSquaredError, inputs: elementwise((0, 1), (0, 1)), ulps: 2)
      check(c, yw, pw, weight: tensor([4, 1], [0.5, 2, 0, 1]), reduction: reduction, "mse (B,1) weights \(reduction)")
    }
    // CTC and circle.
    let ctcLabels = tensor([3, 3], [1, 2, 0, 3, 3, 1, 4, 0, 0])
    let ctcLogits = tensor([3, 8, 5], rng.scalars(120, -3, 3))
    let circleLabels = tensor([8], (0..<8).map { Float($0 % 3) })
    var embeddings = rng.scalars(8 * 6, -1, 1)
    for row in 0..<8 {
      let norm = (0..<6).reduce(Float(0)) { $0 + embeddings[row * 6 + $1] * embeddings[row * 6 + $1] }.squareRoot()
      for c in 0..<6 { embeddings[row * 6 + c] /= norm }
    }
    for reduction in Reduction.allCases {
      let ctc = GradientCase(name: "ctc", loss: .ctc, inputs: elementwise((0, 1), (0, 1)), ulps: 1,
                             condition: (8, unitScale))
      check(ctc, ctcLabels, ctcLogits, weight: tensor([3], [1, 0.5, 2]), reduction: reduction, "ctc \(reduction)")
      for removeDiagonal in [true, false] {
        let circle = GradientCase(
          name: "circle", loss: .circle(gamma: 8, margin: 0.25, removeDiagonal: removeDiagonal),
          inputs: elementwise((0, 1), (0, 1)), ulps: 1, condition: (16, unitScale))
        check(circle, circleLabels, tensor([8, 6], embeddings), weight: nil, reduction: reduction, "circle \(reduction)")
      }
    }
  }

  // MARK: - valueAndGradient and the buffer variants

  @Test("valueAndGradient equals evaluate and gradient; buffer variants equal the tensor ones")
  func valueAndGradientAgree() throws {
    var rng = GradientRandom(state: 0xFACE_0FF5)
    let losses: [(Loss, (inout GradientRandom, [Int]) -> (y: Tensor<Float>, p: Tensor<Float>))] = [
      (.meanSquaredError, elementwise((-2, 2), (-2, 2))),
      (.klDivergence, elementwise((0, 1), (0, 1))),
      (.binaryCrossentropy(), binaryLabels(pRange: (0, 1))),
      (.binaryCrossentropy(fromLogits: true, labelSmoothing: 0.1), binaryLabels(pRange: (-9, 9))),
      (.categoricalCrossentropy(), oneHot(pRange: (0.01, 1))),
      (.categoricalCrossentropy(fromLogits: true), oneHot(pRange: (-8, 8))),
      (.sparseCategoricalCrossentropy(), sparseLabels(pRange: (0.01, 1))),
      (.sparseCategoricalCrossentropy(fromLogits: true), sparseLabels(pRange: (-8, 8))),
      (.huber(), elementwise((-2, 2), (-2, 2))),
      (.cosineSimilarity(), elementwise((-2, 2), (-2, 2))),
    ]
    for (loss, inputs) in losses {
      for shape in [[3, 5], [4, 67], [2, 3, 9]] {
        for reduction in Reduction.allCases {
          let (y, p) = inputs(&rng, shape)
          let (value, gradient) = try Float32Loss.valueAndGradient(loss, yTrue: y, yPred: p, reduction: reduction)
          let expectedValue = try Float32Loss.evaluate(loss, yTrue: y, yPred: p, reduction: reduction)
          let expectedGradient = try Float32Loss.gradient(loss, yTrue: y, yPred: p, reduction: reduction)
          #expect(gradient == expectedGradient, "\(loss) \(shape) \(reduction)")
          #expect(value.shape == expectedValue.shape)
          for (a, b) in zip(value.scalars, expectedValue.scalars) {
            // The fused kernels sum their own terms: within a few ULPs of the forward kernel's value.
            #expect(abs(a - b) <= 8 * b.ulp + 1e-7, "\(loss) \(shape) \(reduction): \(a) vs \(b)")
          }
          var buffer = [Float](repeating: .nan, count: p.count)
          try y.scalars.withUnsafeBufferPointer { yb in
            try p.scalars.withUnsafeBufferPointer { pb in
              try buffer.withUnsafeMutableBufferPointer { out in
                let yo = try Operand(yb, shape: y.shape, argument: "y_true")
                let po = try Operand(pb, shape: p.shape, argument: "y_pred")
                let v = try Float32Loss.valueAndGradient(loss, yTrue: yo, yPred: po, reduction: reduction, into: out)
                #expect(v == value)
                if reduction != .none {
                  let scalar = try Float32Loss.reducedValueAndGradient(loss, yTrue: yo, yPred: po, reduction: reduction, into: out)
                  #expect(scalar == value.scalars[0])
                } else {
                  #expect(throws: LossError.self) {
                    try Float32Loss.reducedValueAndGradient(loss, yTrue: yo, yPred: po, reduction: reduction, into: out)
                  }
                }
              }
            }
          }
          #expect(buffer == gradient.scalars, "\(loss) buffer")
        }
      }
    }
    // The general path's value is exactly evaluate's, with weights too.
    let (y, p) = elementwise((-2, 2), (-2, 2))(&rng, [4, 6])
    let w = tensor([4], [1, 0.5, 0, 2])
    let both = try Float32Loss.valueAndGradient(.logCosh, yTrue: y, yPred: p, sampleWeight: w, reduction: .meanWithSampleWeight)
    #expect(both.value == (try Float32Loss.evaluate(.logCosh, yTrue: y, yPred: p, sampleWeight: w, reduction: .meanWithSampleWeight)))
    // A gradient buffer of the wrong size is rejected.
    var small = [Float](repeating: 0, count: 3)
    #expect(throws: LossError.self) {
      try y.scalars.withUnsafeBufferPointer { yb in
        try p.scalars.withUnsafeBufferPointer { pb in
          try small.withUnsafeMutableBufferPointer { out in
            try Float32Loss.gradient(
              .meanSquaredError, yTrue: Operand(yb, shape: [4, 6], argument: "y_true"),
              yPred: Operand(pb, shape: [4, 6], argument: "y_pred"), into: out)
          }
        }
      }
    }
  }

  // MARK: - Conventions

  @Test("zero where clipped, half exactly at a clip bound or kink, as JAX")
  func clipAndKinkConventions() throws {
    let eps = Float(1e-7)
    let high = Float(1) - Float(1e-7)
    // KL divergence: p = 1 and p = eps are bounds (½), p = 0 and p > 1 are clipped (0). Sum reduction.
    let kld = try Float32Loss.gradient(
      .klDivergence, yTrue: tensor([1, 5], [0.5, 0.5, 0.5, 0.5, 0.5]), yPred: tensor([1, 5], [1, eps, 0, 1.5, 0.5]),
      reduction: .sum)
    let expectedKLD: [Float] = [-0.25, -0.5 * 0.5 / eps, 0, 0, -1]
    #expect(kld.scalars == expectedKLD)
    // BCE from probabilities (mean over 4): 0 outside [eps, 1 − eps], half at the bounds.
    let bce = try Float32Loss.gradient(
      .binaryCrossentropy(), yTrue: tensor([1, 4], [1, 1, 0, 0]), yPred: tensor([1, 4], [0, eps, 1, high]),
      reduction: .sum)
    #expect(bce.scalars[0] == 0 && bce.scalars[2] == 0)
    let atLow = Double(bce.scalars[1])
    let fullLow = 0.25 * (-1 / Double(eps))
    #expect(abs(atLow - 0.5 * fullLow) <= 4 * Double(Float(0.5 * fullLow).ulp))
    // MSLE: max(p, eps) has slope ½ at eps, 0 below.
    let msle = try Float32Loss.gradient(
      .meanSquaredLogarithmicError, yTrue: tensor([1, 2], [1, 1]), yPred: tensor([1, 2], [eps, -1]), reduction: .sum)
    let reference = try Reference.gradient(
      .meanSquaredLogarithmicError, yTrue: tensor([1, 2], [1, 1]).map(Double.init),
      yPred: tensor([1, 2], [eps, -1]).map(Double.init), reduction: .sum, as: .float32)
    #expect(msle.scalars[1] == 0)
    #expect(abs(Double(msle.scalars[0]) - reference.scalars[0]) <= 8 * Double(Float(reference.scalars[0]).ulp))
    // Huber's <= branch at |e| = δ gives e; |x| at 0 gives 0.
    let huber = try Float32Loss.gradient(.huber(delta: 1), yTrue: tensor([1, 3], [0, 0, 0]), yPred: tensor([1, 3], [1, -1, 2]), reduction: .sum)
    let third: Float = 1.0 / 3
    #expect(huber.scalars == [third, -third, third])
    let mae = try Float32Loss.gradient(.meanAbsoluteError, yTrue: tensor([1, 2], [1, 2]), yPred: tensor([1, 2], [1, 3]), reduction: .sum)
    #expect(mae.scalars == [Float(0), Float(0.5)])
    // Hinge at margin 0: half the slope.
    let hinge = try Float32Loss.gradient(.hinge, yTrue: tensor([1, 2], [1, 0]), yPred: tensor([1, 2], [1, 0.5]), reduction: .sum)
    #expect(hinge.scalars == [Float(-0.25), Float(0.5)])
    // Categorical hinge: tied maxima share the negative part equally.
    let cat = try Float32Loss.gradient(.categoricalHinge, yTrue: tensor([1, 3], [1, 0, 0]), yPred: tensor([1, 3], [0.2, 0.7, 0.7]), reduction: .sum)
    #expect(cat.scalars == [Float(-1), Float(0.5), Float(0.5)])
    // Categorical hinge at the outer kink: max(0.5 − 0.5 + … ) exactly 0 → ½.
    let kink = try Float32Loss.gradient(.categoricalHinge, yTrue: tensor([1, 2], [1, 0]), yPred: tensor([1, 2], [1.5, 0.5]), reduction: .sum)
    #expect(kink.scalars == [Float(-0.5), Float(0.5)])
    // Focal: γ = 0 at p_t = 1 has no special case (0·∞ = NaN) in JAX's pow rule.
    let focal = try Float32Loss.gradient(
      .binaryFocalCrossentropy(gamma: 0), yTrue: tensor([1, 1], [1]), yPred: tensor([1, 1], [1]), reduction: .sum)
    #expect(focal.scalars[0].isNaN)
    // NaN propagates.
    let nan = try Float32Loss.gradient(.meanSquaredError, yTrue: tensor([1, 2], [0, 0]), yPred: tensor([1, 2], [.nan, 1]))
    #expect(nan.scalars[0].isNaN && nan.scalars[1] == 1)
  }

  // MARK: - Errors

  @Test("bad input throws the reference's error")
  func badInput() {
    let cases: [(Loss, Tensor<Float>, Tensor<Float>, Tensor<Float>?)] = [
      (.meanSquaredError, tensor([2, 3], [0, 0, 0, 0, 0, 0]), tensor([3, 2], [0, 0, 0, 0, 0, 0]), nil),
      (.binaryCrossentropy(labelSmoothing: 2), tensor([1, 2], [0, 1]), tensor([1, 2], [0.5, 0.5]), nil),
      (.categoricalCrossentropy(fromLogits: true), tensor([2, 2], [0, 1, 1, 0]), tensor([2, 3], [0, 1, 2, 3, 4, 5]), nil),
      (.sparseCategoricalCrossentropy(fromLogits: true), tensor([2], [0, 3]), tensor([2, 3], [0, 1, 2, 3, 4, 5]), nil),
      (.sparseCategoricalCrossentropy(), tensor([2], [0, 0.5]), tensor([2, 3], [0, 1, 2, 3, 4, 5]), nil),
      (.sparseCategoricalCrossentropy(fromLogits: true), tensor([3], [0, 1, 1]), tensor([2, 3], [0, 1, 2, 3, 4, 5]), nil),
      (.klDivergence, Tensor(scalar: 1), Tensor(scalar: 1), nil),
      (.meanSquaredError, tensor([4, 3, 2], Array(repeating: 1, count: 24)), tensor([4, 3, 2], Array(repeating: 0, count: 24)),
       tensor([4], [1, 1, 1, 1])),
      (.huber(delta: -1), tensor([1], [1]), tensor([1], [2]), nil),
      (.categoricalGeneralizedCrossEntropy(q: 1.5), tensor([1], [0]), tensor([1, 2], [0.5, 0.5]), nil),
      (.categoricalGeneralizedCrossEntropy(), tensor([1], [2]), tensor([1, 2], [0.5, 0.5]), nil),
      (.ctc, tensor([1, 2], [1, 1]), tensor([1, 2, 3], [0, 0, 0, 0, 0, 0]), nil),
      (.circle(), tensor([2], [0, 1]), tensor([3, 2], [1, 0, 0, 1, 1, 0]), nil),
      (.dice(axis: [3]), tensor([2], [1, 0]), tensor([2], [0.5, 0.5]), nil),
      (.meanSquaredError, try! Tensor(shape: [3, 0], scalars: []), try! Tensor(shape: [3, 0], scalars: []), nil),
    ]
    for (loss, y, p, w) in cases {
      var referenceError: LossError?
      do {
        _ = try Reference.gradient(loss, yTrue: y.map(Double.init), yPred: p.map(Double.init),
                                   sampleWeight: w?.map(Double.init), as: .float32)
      } catch let error as LossError { referenceError = error } catch {}
      #expect(referenceError != nil, "\(loss) should be rejected by the reference")
      for wantValue in [false, true] {
        #expect {
          if wantValue {
            _ = try Float32Loss.valueAndGradient(loss, yTrue: y, yPred: p, sampleWeight: w)
          } else {
            _ = try Float32Loss.gradient(loss, yTrue: y, yPred: p, sampleWeight: w)
          }
        } throws: { error in
          guard let error = error as? LossError, let referenceError else { return false }
          return error.argument == referenceError.argument
            && String(describing: error).prefix(12) == String(describing: referenceError).prefix(12)
        }
      }
    }
  }
}

extension Tensor {
  fileprivate func reshapedOrSame(_ shape: [Int]) -> Tensor { (try? reshaped(to: shape)) ?? self }
}
