import LossCore

extension Reference {
  /// The gradient with respect to `yPred`'s scalars of Σᵢ upstreamᵢ·lᵢ, where l are the per-sample
  /// losses (`unreduced`) and `upstream` their derivatives from the reduction.
  ///
  /// The inputs are already rounded to the dtype; options are rounded here exactly as
  /// `perSampleLosses` rounds them, so the gradient differentiates the very function evaluated.
  static func perSampleGradient(
    _ loss: Loss, yTrue: Tensor<Double>, yPred: Tensor<Double>, upstream: [Double], dtype: DType
  ) throws -> [Double] {
    let constants = Constants(dtype)
    switch loss {
    case .meanSquaredError:
      return try meanSquaredErrorGradient(yTrue, yPred, upstream)
    case .meanAbsoluteError:
      return try meanAbsoluteErrorGradient(yTrue, yPred, upstream)
    case .meanAbsolutePercentageError:
      return try meanAbsolutePercentageErrorGradient(yTrue, yPred, upstream, constants)
    case .meanSquaredLogarithmicError:
      return try meanSquaredLogarithmicErrorGradient(yTrue, yPred, upstream)
    case .cosineSimilarity(let axis):
      return try cosineSimilarityGradient(yTrue, yPred, upstream, axis: axis, constants)
    case .huber(let delta):
      return try huberGradient(yTrue, yPred, upstream, delta: dtype.rounded(delta))
    case .logCosh:
      return try logCoshGradient(yTrue, yPred, upstream)
    case .hinge:
      return try hingeGradient(yTrue, yPred, upstream, squared: false)
    case .squaredHinge:
      return try hingeGradient(yTrue, yPred, upstream, squared: true)
    case .categoricalHinge:
      return try categoricalHingeGradient(yTrue, yPred, upstream)
    case .klDivergence:
      return try klDivergenceGradient(yTrue, yPred, upstream, constants)
    case .poisson:
      return try poissonGradient(yTrue, yPred, upstream, constants)
    case .binaryCrossentropy(let fromLogits, let labelSmoothing, let axis):
      return try binaryCrossentropyGradient(
        yTrue, yPred, upstream, fromLogits: fromLogits, labelSmoothing: dtype.rounded(labelSmoothing),
        axis: axis, constants)
    case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, let smoothing, let axis):
      return try binaryFocalCrossentropyGradient(
        yTrue, yPred, upstream, applyClassBalancing: balancing, alpha: dtype.rounded(alpha),
        gamma: dtype.rounded(gamma), fromLogits: fromLogits, labelSmoothing: dtype.rounded(smoothing),
        axis: axis, constants)
    case .categoricalCrossentropy(let fromLogits, let labelSmoothing, let axis):
      return try categoricalCrossentropyGradient(
        yTrue, yPred, upstream, fromLogits: fromLogits, labelSmoothing: dtype.rounded(labelSmoothing),
        axis: axis, constants)
    case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, let smoothing, let axis):
      return try categoricalFocalCrossentropyGradient(
        yTrue, yPred, upstream, alpha: alpha.map(dtype.rounded), gamma: dtype.rounded(gamma),
        fromLogits: fromLogits, labelSmoothing: dtype.rounded(smoothing), axis: axis, constants)
    case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, let axis):
      return try sparseCategoricalCrossentropyGradient(
        yTrue, yPred, upstream, fromLogits: fromLogits, ignoreClass: ignoreClass, axis: axis, constants)
    case .ctc:
      return try ctcGradient(yTrue, yPred, upstream)
    case .dice(let axis):
      return try diceGradient(yTrue, yPred, upstream, axis: axis, constants)
    case .tversky(let alpha, let beta, let axis):
      return try tverskyGradient(
        yTrue, yPred, upstream, alpha: dtype.rounded(alpha), beta: dtype.rounded(beta), axis: axis, constants)
    case .circle(let gamma, let margin, let removeDiagonal):
      return try circleGradient(
        yTrue, yPred, upstream, gamma: dtype.rounded(gamma), margin: dtype.rounded(margin),
        removeDiagonal: removeDiagonal)
    case .categoricalGeneralizedCrossEntropy(let q):
      return try categoricalGeneralizedCrossEntropyGradient(yTrue, yPred, upstream, q: dtype.rounded(q))
    }
  }
}
