// Properties the reference gradient must have whatever the inputs: invariances of the losses,
// zero gradient where Keras clips, JAX's conventions at kinks and ties, the reduction's chain rule,
// and the same errors as `evaluate`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import Testing

@testable import LossReference

private func grad(
  _ loss: Loss, _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, sampleWeight: Tensor<Double>? = nil,
  reduction: Reduction = .sum, as dtype: DType = .float64
) throws -> [Double] {
  try Reference.gradient(loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction, as: dtype).scalars
}

/// Whether |a − b| ≤ tolerance·max(|a|, |b|, scale).
private func near(_ a: Double, _ b: Double, _ tolerance: Double = 1e-14, scale: Double = 1) -> Bool {
  abs(a - b) <= tolerance * max(abs(a), abs(b), scale)
}

private func rowSums(_ values: [Double], rowLength: Int) -> [Double] {
  stride(from: 0, to: values.count, by: rowLength).map { ReferenceMath.sum(values[$0..<($0 + rowLength)]) }
}

// MARK: - Invariances

/// Adding a constant to a row of logits leaves a softmax-based loss unchanged, so each row of its
/// gradient sums to zero; for categorical crossentropy with targets summing to one the row is
/// exactly softmax − t.
@Test func softmaxGradientRowsSumToZero() throws {
  var r = GradientRandom(seed: 1)
  let logits = gradientTensor(r.uniforms(12, -4, 4), [3, 4])
  let targets = [0.1, 0.2, 0.3, 0.4, 0, 0, 1, 0, 0.25, 0.25, 0.25, 0.25]
  for loss in [
    Loss.categoricalCrossentropy(fromLogits: true), .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1),
    .categoricalFocalCrossentropy(fromLogits: true),
  ] {
    let g = try grad(loss, gradientTensor(targets, [3, 4]), logits)
    for sum in rowSums(g, rowLength: 4) { #expect(abs(sum) < 1e-15, "\(loss): \(sum)") }
  }
  let sparse = try grad(.sparseCategoricalCrossentropy(fromLogits: true), gradientTensor([3, 0, 2], [3]), logits)
  for sum in rowSums(sparse, rowLength: 4) { #expect(abs(sum) < 1e-15) }

  let g = try grad(.categoricalCrossentropy(fromLogits: true), gradientTensor(targets, [3, 4]), logits)
  for row in 0..<3 {
    let x = Array(logits.scalars[(4 * row)..<(4 * row + 4)])
    let total = x.map { exp($0) }.reduce(0, +)
    for k in 0..<4 {
      #expect(near(g[4 * row + k], exp(x[k]) / total - targets[4 * row + k], 1e-14))
    }
  }
}

/// Scaling a row of probabilities leaves the renormalised losses unchanged (nothing clipped), and
/// scaling a vector leaves its cosine unchanged: Σ p_k·∂l/∂p_k = 0 per row (Euler's theorem for a
/// function homogeneous of degree 0).
@Test func scaleInvariantLossesHaveGradientsOrthogonalToTheRow() throws {
  var r = GradientRandom(seed: 2)
  let rows = gradientTensor(r.uniforms(12, 0.2, 2), [3, 4])
  let targets = gradientTensor(r.oneHot(rows: 3, classes: 4), [3, 4])
  for (loss, yTrue) in [
    (Loss.categoricalCrossentropy(), targets), (.categoricalFocalCrossentropy(gamma: 1.5), targets),
    (.sparseCategoricalCrossentropy(), gradientTensor([1, 3, 0], [3])),
    (.cosineSimilarity(), gradientTensor(r.uniforms(12, -1, 1), [3, 4])),
  ] {
    let g = try grad(loss, yTrue, rows)
    for row in 0..<3 {
      let terms = (0..<4).map { rows.scalars[4 * row + $0] * g[4 * row + $0] }
      let scale = terms.map(abs).reduce(0, +)
      #expect(abs(ReferenceMath.sum(terms)) <= 1e-14 * scale, "\(loss) row \(row): \(terms)")
    }
  }
}

/// With as many steps as labels, CTC has a single alignment: the posterior is one-hot and the
/// gradient is softmax − one_hot(label) at every step. In general each step's row sums to zero.
@Test func ctcGradientIsSoftmaxMinusPosterior() throws {
  var r = GradientRandom(seed: 3)
  let logits = gradientTensor(r.uniforms(2 * 3, -2, 2), [1, 2, 3])
  let g = try grad(.ctc, gradientTensor([2, 1], [1, 2]), logits)
  for (t, label) in [2, 1].enumerated() {
    let x = Array(logits.scalars[(3 * t)..<(3 * t + 3)])
    let total = x.map { exp($0) }.reduce(0, +)
    for k in 0..<3 {
      #expect(near(g[3 * t + k], exp(x[k]) / total - (k == label ? 1 : 0), 1e-14))
    }
  }
  let longer = gradientTensor(r.uniforms(2 * 7 * 4, -2, 2), [2, 7, 4])
  let general = try grad(.ctc, gradientTensor([1, 1, 3, 2, 0, 0], [2, 3]), longer)
  for sum in rowSums(general, rowLength: 4) { #expect(abs(sum) < 1e-14) }
}

// MARK: - Clipping: no gradient where Keras clips

@Test func clippedPredictionsGetNoGradient() throws {
  // Binary crossentropy clips to [eps, 1 − eps]; in float64, 1 is above 1 − 1e-7.
  let bce = try grad(.binaryCrossentropy(), gradientTensor([1, 0, 1, 0, 0.3], [5]), gradientTensor([-0.5, 0, 1, 1.5, 0.5], [5]))
  #expect(bce[0..<4].allSatisfy { $0 == 0 })
  #expect(bce[4] != 0)
  // KL divergence clips p to [eps, 1].
  let kl = try grad(.klDivergence, gradientTensor([0.5, 0.5, 0.5], [3]), gradientTensor([1.25, -0.1, 0.5], [3]))
  #expect(kl[0] == 0 && kl[1] == 0 && kl[2] != 0)
  // MSLE floors p at the float32 eps.
  let msle = try grad(.meanSquaredLogarithmicError, gradientTensor([1, 1], [2]), gradientTensor([-3, 0.5], [2]))
  #expect(msle[0] == 0 && msle[1] != 0)
  // Focal crossentropy from a huge negative logit: σ(x) is clipped at eps, so with γ = 0 nothing
  // reaches x; with γ = 2 the focal factor (1 − p_t)² still has a slope, through σ'(x).
  let focal = try grad(.binaryFocalCrossentropy(gamma: 0, fromLogits: true), gradientTensor([1], [1]), gradientTensor([-40], [1]))
  #expect(focal[0] == 0)
  let focal2 = try grad(.binaryFocalCrossentropy(fromLogits: true), gradientTensor([1], [1]), gradientTensor([-40], [1]))
  #expect(focal2[0] < 0)
  // A hinge margin met, and a categorical hinge row whose true class wins by more than 1.
  #expect(try grad(.hinge, gradientTensor([1, -1], [2]), gradientTensor([1.5, -2], [2])) == [0, 0])
  #expect(try grad(.categoricalHinge, gradientTensor([0, 1, 0], [3]), gradientTensor([0.2, 3, 0.5], [3])) == [0, 0, 0])
  // Below cosine's norm floor the norm is the constant eps: the gradient is −ŷ/eps.
  let cosine = try grad(.cosineSimilarity(), gradientTensor([3, 4], [2]), gradientTensor([1e-9, 2e-9], [2]))
  #expect(near(cosine[0], -0.6 / 1e-7) && near(cosine[1], -0.8 / 1e-7))
}

// MARK: - Kinks and ties: JAX's conventions

/// Exactly at a clip bound JAX's max/min give each tied argument half the gradient.
@Test func clipBoundsGetHalfTheGradient() throws {
  for dtype in DType.allCases {
    let (low, high) = (dtype.epsilon, dtype.oneMinusEpsilon)
    let g = try grad(.binaryCrossentropy(), gradientTensor([1, 0], [2]), gradientTensor([low, high], [2]), as: dtype)
    // ∂/∂p of −log p at p = eps, and of −log(1 − p) at p = 1 − eps, halved (and / 2 for the mean).
    #expect(near(g[0], 0.5 * (-1 / low) / 2), "\(dtype): \(g)")
    #expect(near(g[1], 0.5 * (1 / (1 - high)) / 2, 1e-9), "\(dtype): \(g)")
  }
  // 1 − 2⁻²³ is float32's upper bound but inside float64's [eps, 1 − 1e-7].
  let p = Double(Float(1) - Float(1e-7))
  let as32 = try grad(.binaryCrossentropy(), gradientTensor([0], [1]), gradientTensor([p], [1]), as: .float32)
  let as64 = try grad(.binaryCrossentropy(), gradientTensor([0], [1]), gradientTensor([p], [1]), as: .float64)
  #expect(near(as32[0], 0.5 * as64[0], 1e-12))
  // KL divergence at p = 1 (its upper clip bound): −½·y/p. The vectors show the same (-0.25 for
  // y = p = 1 under a mean over two rows).
  let kl = try grad(.klDivergence, gradientTensor([0.4], [1]), gradientTensor([1], [1]))
  #expect(kl == [-0.2])
}

@Test func kinksFollowJAX() throws {
  // |e| at 0: sign(0) = 0.
  #expect(try grad(.meanAbsoluteError, gradientTensor([0.5, 1], [2]), gradientTensor([0.5, 3], [2])) == [0, 0.5])
  // Huber at |e| = δ takes the quadratic branch: ∂ = e (here e = −2 and 2, δ = 2), not δ·sign(e)
  // (equal at the kink anyway) — and beyond it δ·sign(e).
  #expect(try grad(.huber(delta: 2), gradientTensor([0, 0, 0], [3]), gradientTensor([-2, 2, 5], [3])) == [-2 / 3, 2 / 3, 2 / 3])
  // Hinge at margin 0: half of −y'.
  #expect(try grad(.hinge, gradientTensor([1, 0], [2]), gradientTensor([1, -1], [2])) == [-0.25, 0.25])
  // Squared hinge at margin 0: 2·0·… = 0.
  #expect(try grad(.squaredHinge, gradientTensor([1], [1]), gradientTensor([1], [1])) == [0])
  // Categorical hinge: two wrong classes tie for the max and share its gradient.
  #expect(try grad(.categoricalHinge, gradientTensor([0, 1, 0], [3]), gradientTensor([0.5, 0.2, 0.5], [3])) == [0.5, -1, 0.5])
  // ... and a margin exactly met (neg − pos + 1 = 0) halves it.
  #expect(try grad(.categoricalHinge, gradientTensor([0, 1, 0], [3]), gradientTensor([0.5, 1.5, 0.25], [3])) == [0.5, -0.5, 0])
  // Focal γ = 0: the power's derivative 0·u⁻¹ vanishes for u = 1 − p_t > 0, leaving plain
  // crossentropy; at u = 0 (a prediction equal to its label) it is 0·∞ = NaN, as JAX's float `pow`
  // rule gives it (the conformance file leaves those cases out for their non-finite gradient).
  let focal = try grad(.binaryFocalCrossentropy(gamma: 0), gradientTensor([1], [1]), gradientTensor([0.25], [1]))
  #expect(near(focal[0], -4))
  let atLabel = try grad(.binaryFocalCrossentropy(gamma: 0), gradientTensor([1, 0], [2]), gradientTensor([1, 0.5], [2]))
  #expect(atLabel[0].isNaN && atLabel[1].isFinite)
}

/// Keras 3.15.1 normalises with x·min(rsqrt(Σx²), 1/eps): at a zero vector min's zero derivative
/// meets rsqrt's infinite one, and JAX's gradient is NaN. The reference says so too.
@Test func cosineGradientAtAZeroVectorIsNaNAsInJAX() throws {
  let g = try grad(.cosineSimilarity(), gradientTensor([1, 0, 3, 4], [2, 2]), gradientTensor([0, 0, 1, 2], [2, 2]))
  #expect(g[0].isNaN && g[1].isNaN)
  #expect(g[2].isFinite && g[3].isFinite)
  // A zero y_true vector is harmless: ŷ = 0, so is the gradient.
  #expect(try grad(.cosineSimilarity(), gradientTensor([0, 0], [2]), gradientTensor([1, 2], [2])) == [-0.0, -0.0])
}

// MARK: - The reduction's chain rule

@Test func reductionsScaleTheGradient() throws {
  var r = GradientRandom(seed: 4)
  let yTrue = gradientTensor(r.uniforms(6, 0, 1), [3, 2])
  let yPred = gradientTensor(r.uniforms(6, 0.1, 0.9), [3, 2])
  let loss = Loss.binaryCrossentropy()
  let sum = try grad(loss, yTrue, yPred, reduction: .sum)
  #expect(try grad(loss, yTrue, yPred, reduction: .none) == sum)
  for reduction in [Reduction.sumOverBatchSize, .mean, .meanWithSampleWeight] {
    let mean = try grad(loss, yTrue, yPred, reduction: reduction)
    for (m, s) in zip(mean, sum) { #expect(near(m, s / 3)) }
  }
  // Weights multiply each sample's gradient; mean_with_sample_weight divides by Σw, the others by
  // the element count.
  let weights: [Double] = [0.5, 2, 0]
  let w = gradientTensor(weights, [3])
  let weightedSum = try grad(loss, yTrue, yPred, sampleWeight: w, reduction: .sum)
  for i in 0..<6 { #expect(near(weightedSum[i], weights[i / 2] * sum[i])) }
  let weightedMean = try grad(loss, yTrue, yPred, sampleWeight: w, reduction: .meanWithSampleWeight)
  for i in 0..<6 { #expect(near(weightedMean[i], weightedSum[i] / 2.5)) }
  let weightedBatch = try grad(loss, yTrue, yPred, sampleWeight: w, reduction: .sumOverBatchSize)
  for i in 0..<6 { #expect(near(weightedBatch[i], weightedSum[i] / 3)) }
  // All weights 0 under mean_with_sample_weight: divide_no_nan gives 0, and so does its gradient.
  let zero = try grad(loss, yTrue, yPred, sampleWeight: gradientTensor([0, 0, 0], [3]), reduction: .meanWithSampleWeight)
  #expect(zero.allSatisfy { $0 == 0 })
}

/// Dice over all axes is a scalar, which the reduction passes through; a (B,) weight then
/// broadcasts it to (B,) and the reduction applies: the gradient scales by Σw (/B for the mean).
@Test func scalarPassthroughAndItsWeights() throws {
  var r = GradientRandom(seed: 5)
  let yTrue = gradientTensor(r.labels(6, in: 0...1), [2, 3])
  let yPred = gradientTensor(r.uniforms(6, 0.1, 0.9), [2, 3])
  let plain = try grad(.dice(), yTrue, yPred, reduction: .sumOverBatchSize)
  #expect(try grad(.dice(), yTrue, yPred, reduction: .sum) == plain)
  let weighted = try grad(.dice(), yTrue, yPred, sampleWeight: gradientTensor([1, 0.5], [2]), reduction: .sumOverBatchSize)
  for (a, b) in zip(weighted, plain) { #expect(near(a, b * 1.5 / 2)) }
}

/// Entries that `ignore_class` masks get exactly 0, even from probabilities (where Keras's 0/0
/// renormalisation of the zeroed row is NaN inside); the others are averaged over the valid count.
@Test func ignoredEntriesGetNoGradientAndTheMeanRunsOverValidOnes() throws {
  let yPred = gradientTensor([0.2, 0.5, 0.3, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8], [3, 3])
  for fromLogits in [false, true] {
    let loss = Loss.sparseCategoricalCrossentropy(fromLogits: fromLogits, ignoreClass: -1)
    let masked = try grad(loss, gradientTensor([1, -1, 2], [3]), yPred, reduction: .sumOverBatchSize)
    #expect(masked[3..<6].allSatisfy { $0 == 0 })
    // The valid rows' gradients are those of the unmasked loss, scaled by 3/2 (total/valid) / 3.
    let unmasked = try grad(.sparseCategoricalCrossentropy(fromLogits: fromLogits), gradientTensor([1, 0, 2], [3]), yPred)
    for i in [0, 1, 2, 6, 7, 8] { #expect(near(masked[i], unmasked[i] / 2)) }
    // Everything masked: the mean is divide_no_nan(0, 0) = 0, the gradient 0.
    let none = try grad(loss, gradientTensor([-1, -1, -1], [3]), yPred, reduction: .sumOverBatchSize)
    #expect(none.allSatisfy { $0 == 0 })
  }
}

/// Circle masks rows whose loss is 0 (no positive pair): they contribute nothing, and the mean runs
/// over the other rows. The mask is a constant, so finite differences still agree.
@Test func circleMaskedRowsAgreeWithFiniteDifferences() throws {
  var r = GradientRandom(seed: 6)
  let embeddings = (0..<4).flatMap { _ -> [Double] in
    let v = r.uniforms(3, -1, 1)
    let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
    return v.map { 0.9 * $0 / norm }
  }
  // Label 7 has no partner: its row is masked out.
  let scenario = GradientScenario(
    name: "circle singleton", loss: .circle(gamma: 10), yTrue: gradientTensor([0, 7, 0, 1], [4]),
    yPred: gradientTensor(embeddings, [4, 3]))
  let unreduced = try Reference.unreducedLosses(scenario.loss, yTrue: scenario.yTrue, yPred: scenario.yPred)
  #expect(unreduced.mask == [true, false, true, false])
  let gradient = try scenario.gradient()
  let differences = try scenario.centralDifferences()
  let largest = gradient.scalars.map(abs).max() ?? 0
  #expect(largest > 0)
  for (g, fd) in zip(gradient.scalars, differences) {
    #expect(abs(g - fd) <= 1e-6 * abs(g) + 1e-8 * largest, "\(g) vs \(fd)")
  }
}

// MARK: - Shapes and errors

@Test func gradientHasThePredictionsShape() throws {
  // y_pred (B, 1) against y_true (B,): rank alignment.
  let aligned = try Reference.gradient(.meanSquaredError, yTrue: gradientTensor([1, 2], [2]), yPred: gradientTensor([0, 0], [2, 1]))
  #expect(aligned.shape == [2, 1])
  // y_pred (1, 2) broadcast against y_true (3, 2): each element collects its three copies.
  let broadcast = try Reference.gradient(
    .meanSquaredError, yTrue: gradientTensor([1, 2, 3, 4, 5, 6], [3, 2]), yPred: gradientTensor([0, 0], [1, 2]),
    reduction: .sum)
  #expect(broadcast.shape == [1, 2])
  #expect(broadcast.scalars == [-9.0, -12.0])  // Σ over copies of 2(p − y)/2
}

/// The gradient rejects exactly what `evaluate` rejects.
@Test func gradientThrowsWhatEvaluateThrows() throws {
  let cases: [(Loss, Tensor<Double>, Tensor<Double>, Tensor<Double>?)] = [
    (.meanSquaredError, gradientTensor([1, 2, 3], [3]), gradientTensor([1, 2], [2]), nil),
    (.binaryCrossentropy(), gradientTensor([1, 0], [2]), gradientTensor([0.5, 0.5, 0.5, 0.5], [2, 2]), nil),
    (.sparseCategoricalCrossentropy(), gradientTensor([3], [1]), gradientTensor([0.5, 0.5], [1, 2]), nil),
    (.categoricalGeneralizedCrossEntropy(q: 1.5), gradientTensor([0], [1]), gradientTensor([0.5, 0.5], [1, 2]), nil),
    (.meanSquaredError, gradientTensor([1, 2, 3, 4], [2, 2]), gradientTensor([1, 2, 3, 4], [2, 2]), gradientTensor([1, 2, 3], [3])),
    (.ctc, gradientTensor([1, 2, 3], [1, 3]), gradientTensor(Array(repeating: 0, count: 8), [1, 2, 4]), nil),
    (.circle(), gradientTensor([0.5, 1], [2]), gradientTensor([1, 0, 0, 1], [2, 2]), nil),
  ]
  for (loss, yTrue, yPred, weight) in cases {
    var evaluateError: LossError?
    do { _ = try Reference.evaluate(loss, yTrue: yTrue, yPred: yPred, sampleWeight: weight) } catch let e as LossError { evaluateError = e }
    var gradientError: LossError?
    do { _ = try Reference.gradient(loss, yTrue: yTrue, yPred: yPred, sampleWeight: weight) } catch let e as LossError { gradientError = e }
    #expect(evaluateError != nil, "\(loss)")
    #expect(gradientError == evaluateError, "\(loss)")
  }
}
