import LossCore
import Losses

extension ConformanceEvaluator {
  /// The Float32 kernels' values (`Float32Loss.evaluate`), on the float32 cases: the inputs are
  /// exactly Floats there, the result is widened to Double.
  public static let kernels = ConformanceEvaluator(name: "kernels", dtypes: [.float32]) { testCase in
    let (yTrue, yPred, weight) = float32Operands(testCase)
    return try Float32Loss.evaluate(
      testCase.loss, yTrue: yTrue, yPred: yPred, sampleWeight: weight, reduction: testCase.reduction
    ).map(Double.init)
  }

  /// The Float32 gradient kernels (`Float32Loss.gradient`), on the float32 cases with an
  /// `expected_gradient`, checked against JAX autodiff through Keras.
  public static let kernelGradients = ConformanceEvaluator(name: "kernels", dtypes: [.float32], quantity: .gradient) {
    testCase in
    let (yTrue, yPred, weight) = float32Operands(testCase)
    return try Float32Loss.gradient(
      testCase.loss, yTrue: yTrue, yPred: yPred, sampleWeight: weight, reduction: testCase.reduction
    ).map(Double.init)
  }

  /// A float32 case's tensors as Float (exact: the parser checked every number is a Float).
  private static func float32Operands(
    _ testCase: ConformanceCase
  ) -> (Tensor<Float>, Tensor<Float>, Tensor<Float>?) {
    (testCase.yTrue.map { Float($0) }, testCase.yPred.map { Float($0) }, testCase.sampleWeight?.map { Float($0) })
  }
}
