// Every one of the 22 losses on inputs small enough to work out by hand, evaluated as float64.
//
// Each expected value is written as the arithmetic of its derivation, evaluated in Double (libm's
// log/exp/sqrt are within 1 ULP), so the only differences from the reference are a few roundings:
// rel 1e-12 (about 4500 ULP) is far below any formula mistake and far above that rounding. Values
// that are exact in binary are compared with ==.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import Testing

@testable import LossReference

private let tight = 1e-12
private let ln2 = log(2.0)

@Suite("Hand-derived values (float64)")
struct HandDerivedValueTests {
  // MARK: Regression

  /// y = [1, 2, 3], p = [1.5, 2, 2]: errors 0.5, 0, −1 → squares 0.25, 0, 1 → mean 1.25/3.
  @Test func meanSquaredError() throws {
    let value = try evaluateScalar(.meanSquaredError, try matrix([[1, 2, 3]]), try matrix([[1.5, 2, 2]]))
    expectClose(value, 1.25 / 3, relative: tight)
  }

  /// y = [1, 2, 3], p = [2, 2, 0.5]: |errors| 1, 0, 2.5 → mean 3.5/3.
  @Test func meanAbsoluteError() throws {
    let value = try evaluateScalar(.meanAbsoluteError, try matrix([[1, 2, 3]]), try matrix([[2, 2, 0.5]]))
    expectClose(value, 3.5 / 3, relative: tight)
  }

  /// y = [2, −4], p = [1, −5]: |(2 − 1)/2| = 0.5, |(−4 + 5)/4| = 0.25 → 100·0.75/2 = 37.5 (exact).
  /// With y = 0 the divisor is eps = 1e-7: y = [0, 2], p = [1, 1] → 100·(1/1e-7 + 0.5)/2.
  @Test func meanAbsolutePercentageError() throws {
    let value = try evaluateScalar(.meanAbsolutePercentageError, try matrix([[2, -4]]), try matrix([[1, -5]]))
    #expect(value == 37.5)
    let clamped = try evaluateScalar(.meanAbsolutePercentageError, try matrix([[0, 2]]), try matrix([[1, 1]]))
    expectClose(clamped, 100 * (1 / 1e-7 + 0.5) / 2, relative: tight)
  }

  /// y = [1, 3], p = [3, 1]: (log 4 − log 2)² = (ln 2)² twice → mean (ln 2)².
  /// Clamp: y = 1, p = −5 → (log(1 + Float(1e-7)) − ln 2)², with the float32 eps even in float64.
  @Test func meanSquaredLogarithmicError() throws {
    let value = try evaluateScalar(.meanSquaredLogarithmicError, try matrix([[1, 3]]), try matrix([[3, 1]]))
    expectClose(value, ln2 * ln2, relative: tight)
    let clamped = try evaluateScalar(.meanSquaredLogarithmicError, try matrix([[1]]), try matrix([[-5]]))
    let eps32 = Double(Float(1e-7))
    expectClose(clamped, (log1p(eps32) - ln2) * (log1p(eps32) - ln2), relative: tight)
  }

  /// e = p − y = [0.5, −2, 1], δ = 1: ½·0.25 = 0.125; 1·2 − ½ = 1.5; |e| = δ takes the quadratic
  /// branch: ½·1 = 0.5 → mean 2.125/3. δ = 2, e = 3: 2·3 − ½·4 = 4 (exact).
  @Test func huber() throws {
    let value = try evaluateScalar(.huber(delta: 1), try matrix([[0, 0, 0]]), try matrix([[0.5, -2, 1]]))
    expectClose(value, 2.125 / 3, relative: tight)
    let linear = try evaluateScalar(.huber(delta: 2), try matrix([[0]]), try matrix([[3]]))
    #expect(linear == 4)
  }

  /// x = 1: log cosh 1 = log((e + e⁻¹)/2); x = −3 by symmetry log cosh 3; x = 0: log cosh 0 = 0, and in
  /// float64 log1p(1) − ln 2 is exactly 0 (the float64 ln 2 is subtracted; see DTypeTests).
  @Test func logCosh() throws {
    let values = try perSample(.logCosh, try matrix([[0], [0], [0]]), try matrix([[1], [-3], [0]]))
    expectClose(values, [log(cosh(1.0)), log(cosh(3.0)), 0], relative: tight)
    #expect(values.scalars[2] == 0)
  }

  /// Poisson y = [2, 0], p = [3, 0.5]: (3 − 2·log(3 + 1e-7)) and (0.5 − 0) → mean.
  @Test func poisson() throws {
    let value = try evaluateScalar(.poisson, try matrix([[2, 0]]), try matrix([[3, 0.5]]))
    expectClose(value, ((3 - 2 * log(3 + 1e-7)) + 0.5) / 2, relative: tight)
  }

  // MARK: Hinges

  /// Labels already in {−1, 1}: y = [−1, 1, 1], p = [0.5, 2, 0.25] → max(1 + 0.5, 0) = 1.5,
  /// max(1 − 2, 0) = 0, max(1 − 0.25, 0) = 0.75 → mean 0.75 (exact).
  @Test func hinge() throws {
    let value = try evaluateScalar(.hinge, try matrix([[-1, 1, 1]]), try matrix([[0.5, 2, 0.25]]))
    #expect(value == 0.75)
  }

  /// Same margins squared: 2.25, 0, 0.5625 → mean 2.8125/3 = 0.9375 (exact).
  @Test func squaredHinge() throws {
    let value = try evaluateScalar(.squaredHinge, try matrix([[-1, 1, 1]]), try matrix([[0.5, 2, 0.25]]))
    #expect(value == 0.9375)
  }

  /// Hinge's {0,1} → {−1,1} conversion is batch-global. Labels [[0,1],[1,1]] are all binary, so both
  /// rows convert: row 1 y' = [−1, 1], p = [.3, .6] → (1.3 + 0.4)/2 = 0.85; row 2 y' = [1, 1],
  /// p = [2, −1] → (max(1 − 2, 0) + max(1 + 1, 0))/2 = 1. Labels [[0,1],[−1,1]] contain a −1, so
  /// nothing converts: row 1 y = [0, 1] → (max(1 − 0, 0) + max(1 − .6, 0))/2 = 0.7; row 2 → 0.85.
  @Test func hingeLabelConversionIsBatchGlobal() throws {
    let binary = try perSample(.hinge, try matrix([[0, 1], [1, 1]]), try matrix([[0.3, 0.6], [2, -1]]))
    expectClose(binary, [0.85, 1], relative: tight)
    let mixed = try perSample(.hinge, try matrix([[0, 1], [-1, 1]]), try matrix([[0.3, 0.6], [0.3, 0.6]]))
    expectClose(mixed, [0.7, 0.85], relative: tight)
  }

  /// y = [0, 0, 1], p = [0.2, 0.5, 0.3]: pos = Σ y·p = 0.3, neg = max((1 − y)·p) = max(0.2, 0.5, 0) = 0.5
  /// → 0.5 − 0.3 + 1 = 1.2. Row 2, y = [1, 0, 0], p = [3, 0.5, 0.25]: 0.5 − 3 + 1 < 0 → 0.
  @Test func categoricalHinge() throws {
    let values = try perSample(
      .categoricalHinge, try matrix([[0, 0, 1], [1, 0, 0]]), try matrix([[0.2, 0.5, 0.3], [3, 0.5, 0.25]]))
    expectClose(values, [1.2, 0], relative: tight)
  }

  // MARK: Divergences and similarity

  /// y = [0.5, 0.5], p = [0.25, 0.75]: 0.5·log(0.5/0.25) + 0.5·log(0.5/0.75) = 0.5·ln 2 + 0.5·ln(2/3).
  @Test func klDivergence() throws {
    let value = try evaluateScalar(.klDivergence, try matrix([[0.5, 0.5]]), try matrix([[0.25, 0.75]]))
    expectClose(value, 0.5 * ln2 + 0.5 * log(2.0 / 3.0), relative: tight)
  }

  /// KLD clips *both* to [eps, 1]: y = [0, 1], p = [0.5, 0] → eps·log(eps/0.5) + 1·log(1/eps).
  @Test func klDivergenceClipsTheTargetToo() throws {
    let value = try evaluateScalar(.klDivergence, try matrix([[0, 1]]), try matrix([[0.5, 0]]))
    expectClose(value, 1e-7 * log(1e-7 / 0.5) + log(1 / 1e-7), relative: tight)
  }

  /// y = [3, 4], p = [4, 3]: ŷ = [.6, .8], p̂ = [.8, .6] → −(.48 + .48) = −0.96. Opposite vectors
  /// [1, 0] and [−2, 0] → +1. Along axis 0 of [[3, 1], [4, 0]] vs [[4, 0], [3, 5]]: columns
  /// ([3,4]·[4,3]) → −0.96 and ([1,0]·[0,5]) → −0.
  @Test func cosineSimilarity() throws {
    let values = try perSample(.cosineSimilarity(), try matrix([[3, 4], [1, 0]]), try matrix([[4, 3], [-2, 0]]))
    expectClose(values, [-0.96, 1], relative: tight)
    let columns = try perSample(.cosineSimilarity(axis: 0), try matrix([[3, 1], [4, 0]]), try matrix([[4, 0], [3, 5]]))
    expectClose(columns, [-0.96, 0], relative: tight)
  }

  // MARK: Binary crossentropies

  /// y = [1, 0], p = [0.8, 0.4] → (−log 0.8 − log 0.6)/2. From logits x = [2, −1]:
  /// −log σ(2) = log(1 + e⁻²) and −log σ(1) = log(1 + e⁻¹) → mean.
  @Test func binaryCrossentropy() throws {
    let value = try evaluateScalar(.binaryCrossentropy(), try matrix([[1, 0]]), try matrix([[0.8, 0.4]]))
    expectClose(value, (-log(0.8) - log(0.6)) / 2, relative: tight)
    let logits = try evaluateScalar(
      .binaryCrossentropy(fromLogits: true), try matrix([[1, 0]]), try matrix([[2, -1]]))
    expectClose(logits, (log(1 + exp(-2.0)) + log(1 + exp(-1.0))) / 2, relative: tight)
  }

  /// BCE with axis 0 averages down the columns: y = [[1, 0], [0, 0]], p = [[0.5, 0.25], [0.5, 0.5]]
  /// → column 1 (−log 0.5 − log 0.5)/2 = ln 2, column 2 (−log 0.75 − log 0.5)/2.
  @Test func binaryCrossentropyAlongAxisZero() throws {
    let values = try perSample(
      .binaryCrossentropy(axis: 0), try matrix([[1, 0], [0, 0]]), try matrix([[0.5, 0.25], [0.5, 0.5]]))
    expectClose(values, [ln2, (-log(0.75) + ln2) / 2], relative: tight)
  }

  /// label_smoothing 0.2 turns y = 1 into 1·0.8 + 0.1 = 0.9: p = 0.6 → −(0.9·log 0.6 + 0.1·log 0.4).
  @Test func binaryCrossentropyLabelSmoothing() throws {
    let value = try evaluateScalar(.binaryCrossentropy(labelSmoothing: 0.2), try matrix([[1]]), try matrix([[0.6]]))
    expectClose(value, -(0.9 * log(0.6) + 0.1 * log(0.4)), relative: tight)
  }

  /// y = [1, 0], p = [0.8, 0.3], γ = 2: (1 − p_t)² = 0.2², 0.3² → (0.04·(−log 0.8) + 0.09·(−log 0.7))/2.
  /// γ = 1, α = 0.4 with class balancing: (0.4·0.2·(−log 0.8) + 0.6·0.3·(−log 0.7))/2.
  @Test func binaryFocalCrossentropy() throws {
    let y = try matrix([[1, 0]])
    let p = try matrix([[0.8, 0.3]])
    let plain = try evaluateScalar(.binaryFocalCrossentropy(), y, p)
    expectClose(plain, (0.04 * -log(0.8) + 0.09 * -log(0.7)) / 2, relative: tight)
    let balanced = try evaluateScalar(.binaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.4, gamma: 1), y, p)
    expectClose(balanced, (0.4 * 0.2 * -log(0.8) + 0.6 * 0.3 * -log(0.7)) / 2, relative: tight)
    // α is ignored without class balancing (Keras 3).
    let unbalanced = try evaluateScalar(.binaryFocalCrossentropy(alpha: 0.9), y, p)
    expectClose(unbalanced, plain, relative: tight)
  }

  /// From logits x = 0: σ = ½, so y = 1 gives (½)²·ln 2 with γ = 2.
  @Test func binaryFocalFromLogits() throws {
    let value = try evaluateScalar(.binaryFocalCrossentropy(fromLogits: true), try matrix([[1]]), try matrix([[0]]))
    expectClose(value, 0.25 * ln2, relative: tight)
  }

  // MARK: Categorical crossentropies

  /// y = [0, 1, 0], p = [0.2, 0.5, 0.3] → −log 0.5 = ln 2; unnormalised p = [2, 1, 1], y = [1, 0, 0]
  /// → renormalised to [½, ¼, ¼] → ln 2.
  @Test func categoricalCrossentropy() throws {
    let values = try perSample(
      .categoricalCrossentropy(), try matrix([[0, 1, 0], [1, 0, 0]]), try matrix([[0.2, 0.5, 0.3], [2, 1, 1]]))
    expectClose(values, [ln2, ln2], relative: tight)
  }

  /// Logits [1, 2, 3], y = [0, 1, 0], ls = 0.1 → t = [1/30, 14/15, 1/30], Σt = 1.
  /// −Σ t·(x − lse) = lse − Σ t·x = lse − (1/30 + 28/15 + 3/30) = lse − 2, lse = 3 + log(1 + e⁻¹ + e⁻²).
  @Test func categoricalCrossentropyFromLogitsWithSmoothing() throws {
    let value = try evaluateScalar(
      .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), try matrix([[0, 1, 0]]),
      try matrix([[1, 2, 3]]))
    expectClose(value, 1 + log(1 + exp(-1.0) + exp(-2.0)), relative: tight)
  }

  /// Classes along axis 0 (C = 2, the extent of y_pred's axis 0, not its last axis 3), ls = 0.2:
  /// t = y·0.8 + 0.1. Column 1: logits [1, 3], t = [0.9, 0.1] → lse(1, 3) − (0.9 + 0.3);
  /// column 2: [2, 2], t = [0.1, 0.9] → ln 2; column 3: [3, 1], t = [0.9, 0.1] → lse(3, 1) − 2.8.
  /// lse(1, 3) = 3 + log(1 + e⁻²). (Keras 3.15.1 took C = 3 from y_true's last axis.)
  @Test func categoricalCrossentropySmoothingUsesTheClassAxisExtent() throws {
    let values = try perSample(
      .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.2, axis: 0),
      try matrix([[1, 0, 1], [0, 1, 0]]), try matrix([[1, 2, 3], [3, 2, 1]]))
    let lse13 = 3 + log1p(exp(-2.0))
    expectClose(values, [lse13 - 1.2, ln2, lse13 - 2.8], relative: tight)
  }

  /// y = [0, 1, 0], p = [0.2, 0.7, 0.1], α = 0.25, γ = 2: only the true class counts,
  /// 0.25·(1 − 0.7)²·(−log 0.7). Per-class α [0.1, 0.2, 0.7] → 0.2·0.09·(−log 0.7).
  @Test func categoricalFocalCrossentropy() throws {
    let y = try matrix([[0, 1, 0]])
    let p = try matrix([[0.2, 0.7, 0.1]])
    let value = try evaluateScalar(.categoricalFocalCrossentropy(), y, p)
    expectClose(value, 0.25 * 0.09 * -log(0.7), relative: tight)
    let perClass = try evaluateScalar(.categoricalFocalCrossentropy(alpha: [0.1, 0.2, 0.7]), y, p)
    expectClose(perClass, 0.2 * 0.09 * -log(0.7), relative: tight)
  }

  /// Labels [1, 2], p = [[.05, .95, 0], [.1, .8, .1]] (rows sum to 1) → [−log .95, −log .1].
  @Test func sparseCategoricalCrossentropy() throws {
    let values = try perSample(
      .sparseCategoricalCrossentropy(), Tensor([1, 2]), try matrix([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))
    expectClose(values, [-log(0.95), -log(0.1)], relative: tight)
  }

  /// Logits rows [1,2,3]×3 and [3,2,1], labels [0, 2, −1 (ignored), 1]: −log softmax = lse − x_label
  /// with lse = 3 + log(1 + e⁻¹ + e⁻²) → [lse − 1, lse − 3, 0, lse − 2]; mask [T, T, F, T].
  /// sum_over_batch_size averages the 3 valid ones: (3·lse − 6)/3 = lse − 2.
  @Test func sparseCategoricalCrossentropyIgnoreClass() throws {
    let loss = Loss.sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1)
    let y = Tensor<Double>([0, 2, -1, 1])
    let p = try matrix([[1, 2, 3], [1, 2, 3], [1, 2, 3], [3, 2, 1]])
    let lse = 3 + log(1 + exp(-1.0) + exp(-2.0))
    let unreduced = try Reference.unreducedLosses(loss, yTrue: y, yPred: p)
    expectClose(unreduced.values, [lse - 1, lse - 3, 0, lse - 2], relative: tight)
    #expect(unreduced.mask == [true, true, false, true])
    expectClose(try evaluateScalar(loss, y, p), lse - 2, relative: tight)
  }

  /// Labels of shape (B, 1) are squeezed on the class axis: same as (B,).
  @Test func sparseCategoricalCrossentropyAcceptsTrailingOne() throws {
    let values = try perSample(
      .sparseCategoricalCrossentropy(), try matrix([[1], [0]]), try matrix([[0.25, 0.75], [0.5, 0.5]]))
    expectClose(values, [-log(0.75), ln2], relative: tight)
  }

  /// q = 0.5: (1 − p_t^½)/½ → [2(1 − √.7), 2(1 − √.8)]; q = 0.25, p_t = 0.0625: (1 − ½)/¼ = 2 (exact).
  @Test func categoricalGeneralizedCrossEntropy() throws {
    let values = try perSample(
      .categoricalGeneralizedCrossEntropy(q: 0.5), Tensor([0, 1]), try matrix([[0.7, 0.3], [0.2, 0.8]]))
    expectClose(values, [2 * (1 - sqrt(0.7)), 2 * (1 - sqrt(0.8))], relative: tight)
    let quarter = try perSample(.categoricalGeneralizedCrossEntropy(q: 0.25), Tensor([1]), try matrix([[0.9375, 0.0625]]))
    #expect(quarter.scalars == [2])
  }

  // MARK: Sequences

  /// T = 2, C = 2, all logits 0 so every step is (½, ½). Label [1]: the alignments that collapse to
  /// "1" are (1,1), (0,1), (1,0): probability 3/4 → −log(3/4). T = 1, logits [0, ln 3]: p(1) = 3/4.
  @Test func ctc() throws {
    let two = try evaluateScalar(.ctc, try matrix([[1]]), try tensor([0, 0, 0, 0], [1, 2, 2]), reduction: .sum)
    expectClose(two, -log(0.75), relative: tight)
    let one = try evaluateScalar(.ctc, try matrix([[1]]), try tensor([0, log(3.0)], [1, 1, 2]), reduction: .sum)
    expectClose(one, -log(0.75), relative: tight)
  }

  // MARK: Overlap

  /// Over all axes: I = .9 + .6 + .3 + .8 = 2.6, Σy = 4, Σp = 2.9 → 1 − 5.2/(6.9 + 1e-7), a scalar.
  /// axis −1: row 1 I = 1.5, Σy = 2, Σp = 1.7 → 1 − 3/(3.7 + eps); row 2 I = 1.1, Σy = 2, Σp = 1.2 →
  /// 1 − 2.2/(3.2 + eps). axis 0: columns (I, Σy, Σp) = (.9, 1, 1), (.3, 1, .5), (1.4, 2, 1.4).
  @Test func dice() throws {
    let y = try matrix([[1, 0, 1], [0, 1, 1]])
    let p = try matrix([[0.9, 0.2, 0.6], [0.1, 0.3, 0.8]])
    let eps = 1e-7
    let all = try Reference.evaluate(.dice(), yTrue: y, yPred: p)
    expectClose(all, [1 - 5.2 / (6.9 + eps)], shape: [], relative: tight)
    expectClose(try perSample(.dice(axis: [-1]), y, p), [1 - 3 / (3.7 + eps), 1 - 2.2 / (3.2 + eps)], relative: tight)
    expectClose(
      try perSample(.dice(axis: [0]), y, p),
      [1 - 1.8 / (2 + eps), 1 - 0.6 / (1.5 + eps), 1 - 2.8 / (3.4 + eps)], relative: tight)
    // Listing every axis is the same as nil.
    let both = try Reference.evaluate(.dice(axis: [1, 0]), yTrue: y, yPred: p)
    expectClose(both, [1 - 5.2 / (6.9 + eps)], shape: [], relative: tight)
  }

  /// Documented semantics, α = .7 on FP, β = .3 on FN. Row 1: TP = 1.5, FP = Σ(1 − y)p = .2,
  /// FN = Σ y(1 − p) = .1 + .4 = .5 → 1 − 1.5/(1.5 + .14 + .15 + eps) = 1 − 1.5/1.79.
  /// Row 2: TP = 1.1, FP = .1, FN = .7 + .2 = .9 → 1 − 1.1/(1.1 + .07 + .27) = 1 − 1.1/1.44.
  /// (Keras 3.15.1's swapped value for row 1 is 1 − 1.5/1.91 = 0.21465975; see KerasTableTests.)
  @Test func tversky() throws {
    let y = try matrix([[1, 0, 1], [0, 1, 1]])
    let p = try matrix([[0.9, 0.2, 0.6], [0.1, 0.3, 0.8]])
    let values = try perSample(.tversky(alpha: 0.7, beta: 0.3, axis: [-1]), y, p)
    expectClose(values, [1 - 1.5 / (1.79 + 1e-7), 1 - 1.1 / (1.44 + 1e-7)], relative: tight)
  }

  /// With α = β the FP/FN assignment cannot matter, and Tversky(½, ½) is Dice up to where eps sits:
  /// TP/(TP + ½FP + ½FN + eps) = 2TP/(Σy + Σp + 2eps). α = β = .4, row 1: 1 − 1.5/(1.5 + .4·.7 + eps).
  @Test func tverskyWithEqualWeights() throws {
    let y = try matrix([[1, 0, 1], [0, 1, 1]])
    let p = try matrix([[0.9, 0.2, 0.6], [0.1, 0.3, 0.8]])
    let equal = try perSample(.tversky(alpha: 0.4, beta: 0.4, axis: [-1]), y, p)
    expectClose(equal, [1 - 1.5 / (1.5 + 0.4 * 0.7 + 1e-7), 1 - 1.1 / (1.1 + 0.4 * 1.0 + 1e-7)], relative: tight)
    let half = try perSample(.tversky(axis: [-1]), y, p)
    expectClose(half, [1 - 3 / (3.7 + 2e-7), 1 - 2.2 / (3.2 + 2e-7)], relative: tight)
  }

  /// Swapping y and p swaps FP = Σ(1 − y)p and FN = Σ y(1 − p), so Tversky(α, β)(y, p) =
  /// Tversky(β, α)(p, y): the identity that pins down which weight goes on which term.
  @Test func tverskySwapIdentity() throws {
    let y = try matrix([[1, 0, 1], [0, 1, 1]])
    let p = try matrix([[0.9, 0.2, 0.6], [0.1, 0.3, 0.8]])
    let forward = try perSample(.tversky(alpha: 0.7, beta: 0.3, axis: [-1]), y, p)
    let mirrored = try perSample(.tversky(alpha: 0.3, beta: 0.7, axis: [-1]), p, y)
    expectClose(forward, mirrored.scalars, relative: tight)
    let swappedWeights = try perSample(.tversky(alpha: 0.3, beta: 0.7, axis: [-1]), y, p)
    #expect(abs(swappedWeights.scalars[0] - forward.scalars[0]) > 0.04, "α and β must not be interchangeable")
  }

  // MARK: Circle

  /// Embeddings e0 = e1 = [1, 0], e2 = [0.6, 0.8]; labels [0, 0, 1]; γ = 2, m = 0.25.
  /// Row 0: positive j = 1 (diagonal removed), d = 1 − 1 = 0 → w⁺ = m, s⁺ = −γ·m·(m − 0) = −0.125.
  /// Negative j = 2, d = 1 − 0.6 = 0.4 → w⁻ = 1 + m − d = 0.85, s⁻ = γ·0.85·(1 − m − d) = 2·.85·.35 = 0.595.
  /// l₀ = softplus(−0.125 + 0.595) = softplus(0.47) = log(1 + e^0.47); row 1 is the same.
  /// Row 2 has no positive: LSE = −∞, l₂ = 0, masked out. The mean runs over the 2 rows with l > 0.
  /// Keeping the diagonal: rows 0, 1 get two positives: LSE = −0.125 + ln 2 → softplus(0.47 + ln 2);
  /// row 2 gets s⁺ = −0.125 and two negatives of 0.595: softplus(−0.125 + 0.595 + ln 2).
  @Test func circle() throws {
    let y = Tensor<Double>([0, 0, 1])
    let p = try matrix([[1, 0], [1, 0], [0.6, 0.8]])
    let loss = Loss.circle(gamma: 2, margin: 0.25)
    let unreduced = try Reference.unreducedLosses(loss, yTrue: y, yPred: p)
    let l = log(1 + exp(0.47))
    expectClose(unreduced.values, [l, l, 0], relative: tight)
    #expect(unreduced.mask == [true, true, false])
    expectClose(try evaluateScalar(loss, y, p), l, relative: tight)
    expectClose(try evaluateScalar(loss, y, p, reduction: .sum), 2 * l, relative: tight)

    let keep = try perSample(.circle(gamma: 2, margin: 0.25, removeDiagonal: false), y, p)
    let withDiagonal = log(1 + exp(0.47 + ln2))
    expectClose(keep, [withDiagonal, withDiagonal, withDiagonal], relative: tight)
  }

  /// A batch whose rows all lack a negative (one label): every LSE_N = −∞, every loss 0, all masked
  /// → the masked mean is divide_no_nan(0, 0) = 0.
  @Test func circleWithoutNegativesIsZero() throws {
    let value = try evaluateScalar(.circle(), Tensor([3, 3]), try matrix([[1, 0], [0, 1]]))
    #expect(value == 0)
  }
}
