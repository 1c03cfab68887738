import LossCheck
import LossCore
import LossReference
import Losses
import Testing

// Every real finding of the fuzzers (libFuzzer harnesses in Fuzz/ and `losscheck fuzz`), as the
// smallest input known. Open bugs are wrapped in `withKnownIssue`, so CI stays green until the
// owner fixes them; then the known issue stops occurring, the test fails, and the wrapper (and
// the matching `FuzzKnownIssue` entry, if any) must be removed.

// MARK: - Fixed: Float32Loss.categoricalHinge gave NaN where max((1 − y)·p) is ±∞

/// Found by `losscheck fuzz` (stream categoricalHinge) and fuzz_regression. The kernel adds
/// (negative − negative) to propagate NaN, and ∞ − ∞ is NaN. Keras and the reference compute
/// max(neg − pos + 1, 0) = max(+∞ − (−∞) + 1, 0) = +∞ here. The fuzzers' first input was
/// y_true = [0.25, inf, 0.25], y_pred = [[0], [-88.72284], [1]], weight 1, mean.
/// Fixed: the kernel now keeps NaN with an explicit check.
@Test func categoricalHingeWithAnInfiniteTermIsInfinite() throws {
  let yTrue = Tensor<Float>([.infinity])
  let yPred = Tensor<Float>([-1])
  let reference = try Reference.evaluate(.categoricalHinge, yTrue: yTrue.map(Double.init), yPred: yPred.map(Double.init), as: .float32)
  #expect(reference.scalars == [.infinity])
  let got = try Float32Loss.evaluate(.categoricalHinge, yTrue: yTrue, yPred: yPred)
  #expect(got.scalars == [.infinity])
}

/// The same bug where the lane maximum is −∞: y_true = [-inf], y_pred = [-1e4] gives
/// max(−∞ − ∞ + 1, 0) = 0 in the reference, NaN in the kernel.
@Test func categoricalHingeWithAnInfiniteNegativeTermIsZero() throws {
  let input = FuzzInput(
    loss: .categoricalHinge, input: LossInput(yTrue: Tensor([-.infinity]), yPred: Tensor([-1e4])))
  #expect(try input.input.referenceValue(of: input.loss).scalars == [0])
  #expect(FuzzCheck.check(input) == nil)
}

// MARK: - Fixed: Agreement.check trapped when a condition scale is NaN

/// Found by `losscheck fuzz` (stream hinge): an infinite term times a zero weight makes
/// ConditionScale's Σ|terms| NaN, so the bound is NaN and the comparison fails although the
/// kernel agrees; formatting the message then calls `Int(NaN)` in `Agreement.formatted`, which
/// trapped (Sources/LossCheck/Catalogue/Agreement.swift; fixed: non-finite counts print as
/// Doubles). FuzzCheck skips such elements and calls Agreement.check only when every bound is a
/// number.
@Test func agreementCheckDoesNotTrapOnANaNScale() async {
  await #expect(processExitsWith: .success) {
    let input = LossInput(
      yTrue: Tensor([0.75, -.infinity, 0.25]), yPred: Tensor([-0.0, -.infinity, 1.0000001]),
      sampleWeight: Tensor([0, 1, 1.0000001]), reduction: .meanWithSampleWeight)
    var measurement = Measurement()
    _ = try? Agreement.check(.hinge, input, candidate: .float32Kernels, measurement: &measurement)
  }
}

// MARK: - Fixed: subnormal per-sample losses times a weight

/// Found by `losscheck fuzz` (stream binaryCrossentropy(fromLogits: true)), inside the catalogue's
/// own generator domain (logits in ±1e4, weights in [0, 4]): softplus(−100) = 3.72e-44 is
/// subnormal in Float; the kernel rounded it there (½ of 2⁻¹⁴⁹), the weight tripled that error and
/// the result 1.14e-43 was 1.35 ULP from the reference's 1.1160e-43. The kernel now forms
/// log(1 + eᵃ) for eᵃ < 2⁻²⁴ in Double (`CrossentropyMath.log1pExpWide`). The second input is
/// the main job's find of the same defect (y = 0, x = −91, w = 3 under `sum`: 1.19 ULP).
@Test(arguments: [
  (y: Float(1), x: Float(100), weights: [Float(3)], reduction: Reduction.sumOverBatchSize),
  (y: 0, x: -91, weights: [3], reduction: .sum),
])
func subnormalWeightedLossesAgree(y: Float, x: Float, weights: [Float], reduction: Reduction) throws {
  let input = LossInput(
    yTrue: Tensor([y]), yPred: Tensor([x]), sampleWeight: Tensor(weights), reduction: reduction)
  var measurement = Measurement()
  let difference = try Agreement.check(
    .binaryCrossentropy(fromLogits: true), input, candidate: .float32Kernels, measurement: &measurement)
  #expect(difference == nil)
}
