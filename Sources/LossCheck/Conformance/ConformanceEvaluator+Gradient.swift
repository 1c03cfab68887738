import LossCore
import LossReference

extension ConformanceEvaluator {
  /// The Double reference's gradient, evaluated "as" the case's dtype (float32 cases with the
  /// float32 constants), checked against the JAX autodiff vectors.
  public static let referenceGradient = ConformanceEvaluator(name: "reference", quantity: .gradient) { testCase in
    try Reference.gradient(
      testCase.loss, yTrue: testCase.yTrue, yPred: testCase.yPred, sampleWeight: testCase.sampleWeight,
      reduction: testCase.reduction, as: testCase.dtype)
  }
}
