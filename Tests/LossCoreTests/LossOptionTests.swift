import LossCore
import Testing

@Suite("Loss options, reductions and dtypes")
struct LossOptionTests {
  @Test func everyLossHasItsKerasName() {
    #expect(LossName.allCases.count == 22)
    #expect(Loss.binaryCrossentropy().name.rawValue == "binary_crossentropy")
    #expect(Loss.categoricalGeneralizedCrossEntropy().name.rawValue == "categorical_generalized_cross_entropy")
    #expect(Loss.ctc.isFromLogits && Loss.sparseCategoricalCrossentropy(fromLogits: true).isFromLogits)
    #expect(!Loss.categoricalCrossentropy().isFromLogits)
  }

  @Test func defaultsAreKeras() {
    #expect(Loss.huber() == .huber(delta: 1))
    #expect(Loss.binaryFocalCrossentropy() == .binaryFocalCrossentropy(
      applyClassBalancing: false, alpha: 0.25, gamma: 2, fromLogits: false, labelSmoothing: 0, axis: -1))
    #expect(Loss.circle() == .circle(gamma: 80, margin: 0.4, removeDiagonal: true))
    #expect(Loss.tversky() == .tversky(alpha: 0.5, beta: 0.5, axis: nil))
  }

  @Test(arguments: [
    (Loss.binaryCrossentropy(labelSmoothing: -0.1), "label_smoothing"),
    (.categoricalCrossentropy(labelSmoothing: 1.5), "label_smoothing"),
    (.categoricalGeneralizedCrossEntropy(q: 0), "q"),
    (.categoricalGeneralizedCrossEntropy(q: 1), "q"),
    (.huber(delta: 0), "delta"),
    (.huber(delta: .nan), "delta"),
    (.binaryFocalCrossentropy(alpha: 1.5), "alpha"),
    (.binaryFocalCrossentropy(gamma: -1), "gamma"),
    (.categoricalFocalCrossentropy(alpha: []), "alpha"),
    (.categoricalFocalCrossentropy(alpha: [0.5, -1]), "alpha"),
    (.dice(axis: []), "axis"),
    (.tversky(axis: [1, 1]), "axis"),
    (.tversky(beta: -0.5), "beta"),
    (.circle(gamma: 0), "gamma"),
    (.circle(margin: .infinity), "margin"),
  ])
  func optionsOutOfDomainThrowNamingTheOption(loss: Loss, option: String) {
    #expect {
      try loss.validate()
    } throws: { error in
      (error as? LossError)?.argument == option
    }
  }

  @Test func optionsOnTheBoundaryAreValid() throws {
    try Loss.binaryCrossentropy(labelSmoothing: 1).validate()
    try Loss.binaryFocalCrossentropy(alpha: 0, gamma: 0).validate()
    try Loss.categoricalGeneralizedCrossEntropy(q: 0.999).validate()
  }

  @Test func reductionAndDTypeParseKerasNamesOnly() throws {
    #expect(try Reduction(kerasName: "sum_over_batch_size") == .sumOverBatchSize)
    #expect(try Reduction(kerasName: "mean_with_sample_weight") == .meanWithSampleWeight)
    #expect(throws: LossError.self) { try Reduction(kerasName: "auto") }
    #expect(try DType(kerasName: "float32") == .float32)
    #expect(throws: LossError.self) { try DType(kerasName: "float16") }
  }

  /// float32(1e-7) = 0x33D6BF95 and float32(1 − 1e-7) = 1 − 2⁻²³ (the spec's §1).
  @Test func dtypeConstantsAreKerasFloat32AndFloat64() {
    #expect(DType.float32.epsilon == 1.0000000116860974e-07)
    #expect(Float(DType.float32.epsilon).bitPattern == 0x33D6_BF95)
    #expect(DType.float32.oneMinusEpsilon == 1 - 0x1p-23)
    #expect(DType.float64.epsilon == 1e-7)
    #expect(DType.float64.oneMinusEpsilon == 1 - 1e-7)
  }

  @Test func errorDescriptionsNameTheArgument() {
    let error = LossError.incompatibleShapes(
      argument: "sample_weight", shape: [4], other: "per-sample losses", otherShape: [4, 3], reason: "r")
    #expect(error.description.contains("`sample_weight` of shape [4]"))
    #expect(error.argument == "sample_weight")
  }
}
