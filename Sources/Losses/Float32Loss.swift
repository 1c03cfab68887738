import LossCore

/// Optimised Float32 kernels of every Keras 3 loss, with the semantics of the reference evaluated
/// as float32 (Keras's float32 clipping constants).
///
/// The kernels run SIMD8 loops over the contiguous (last) axis, use the vectorised elementary
/// functions of this module, and carry per-sample losses and sums in Double so the returned value
/// is rounded to Float once. When the result is reduced and there are no sample weights or masks,
/// no memory is allocated for the per-sample losses; inputs with one shape, reduced along the last
/// axis, are read in place.
///
/// Bad input throws the same `LossError` as the reference. NaN propagates as in Keras.
public enum Float32Loss {
  /// The loss of `yPred` against `yTrue`, weighted by `sampleWeight` and reduced by `reduction`.
  ///
  /// - Returns: a scalar tensor, or for `.none` the weighted per-sample losses (a loss whose own
  ///   reduction gives a scalar is returned as it is, as in Keras).
  /// - Throws: `LossError` naming the argument, as `Reference.evaluate` does.
  public static func evaluate(
    _ loss: Loss, yTrue: Tensor<Float>, yPred: Tensor<Float>, sampleWeight: Tensor<Float>? = nil,
    reduction: Reduction = .sumOverBatchSize
  ) throws -> Tensor<Float> {
    try yTrue.scalars.withUnsafeBufferPointer { y in
      try yPred.scalars.withUnsafeBufferPointer { p in
        let yTrue = Operand(unchecked: y, shape: yTrue.shape)
        let yPred = Operand(unchecked: p, shape: yPred.shape)
        guard let sampleWeight else {
          return try evaluate(loss, yTrue: yTrue, yPred: yPred, sampleWeight: nil, reduction: reduction)
        }
        return try sampleWeight.scalars.withUnsafeBufferPointer { w in
          try evaluate(
            loss, yTrue: yTrue, yPred: yPred, sampleWeight: Operand(unchecked: w, shape: sampleWeight.shape),
            reduction: reduction)
        }
      }
    }
  }

  /// The reduced loss of borrowed buffers; allocation-free when there are no sample weights or masks
  /// and the operands have one shape reduced along the last axis.
  ///
  /// - Throws: `LossError.invalidOption` naming `reduction` for `.none` (use `evaluate` for the
  ///   per-sample tensor), and otherwise as `evaluate`.
  public static func reducedValue(
    _ loss: Loss, yTrue: Operand, yPred: Operand, sampleWeight: Operand? = nil,
    reduction: Reduction = .sumOverBatchSize
  ) throws -> Float {
    guard reduction != .none else {
      throw LossError.invalidOption(
        name: "reduction", value: "none", expected: "a reducing reduction; use evaluate for per-sample losses")
    }
    let result = try evaluate(loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction)
    guard result.count == 1 else {
      throw LossError.invalidShape(
        argument: "y_pred", shape: yPred.shape, reason: "the loss of an empty batch is an empty tensor, not a value")
    }
    return result.scalars[0]
  }

  /// The loss of borrowed buffers, as `evaluate` on tensors.
  public static func evaluate(
    _ loss: Loss, yTrue: Operand, yPred: Operand, sampleWeight: Operand?, reduction: Reduction
  ) throws -> Tensor<Float> {
    try loss.validate()
    let needsValues = needsValues(reduction: reduction, sampleWeight: sampleWeight)
    let losses = try perSampleLosses(loss, yTrue, yPred, needsValues: needsValues)
    return try reduce(losses, sampleWeight: sampleWeight, reduction: reduction)
  }

  static func perSampleLosses(
    _ loss: Loss, _ yTrue: Operand, _ yPred: Operand, needsValues: Bool
  ) throws -> PerSampleLosses {
    switch loss {
    case .meanSquaredError:
      return try meanSquaredError(yTrue, yPred, needsValues: needsValues)
    case .meanAbsoluteError:
      return try meanAbsoluteError(yTrue, yPred, needsValues: needsValues)
    case .meanAbsolutePercentageError:
      return try meanAbsolutePercentageError(yTrue, yPred, needsValues: needsValues)
    case .meanSquaredLogarithmicError:
      return try meanSquaredLogarithmicError(yTrue, yPred, needsValues: needsValues)
    case .cosineSimilarity(let axis):
      return try cosineSimilarity(yTrue, yPred, axis: axis, needsValues: needsValues)
    case .huber(let delta):
      return try huber(yTrue, yPred, delta: Float(delta), needsValues: needsValues)
    case .logCosh:
      return try logCosh(yTrue, yPred, needsValues: needsValues)
    case .hinge:
      return try hinge(yTrue, yPred, squared: false, needsValues: needsValues)
    case .squaredHinge:
      return try hinge(yTrue, yPred, squared: true, needsValues: needsValues)
    case .categoricalHinge:
      return try categoricalHinge(yTrue, yPred, needsValues: needsValues)
    case .klDivergence:
      return try klDivergence(yTrue, yPred, needsValues: needsValues)
    case .poisson:
      return try poisson(yTrue, yPred, needsValues: needsValues)
    case .binaryCrossentropy(let fromLogits, let labelSmoothing, let axis):
      return try binaryCrossentropy(
        yTrue, yPred, fromLogits: fromLogits, labelSmoothing: Float(labelSmoothing), axis: axis,
        needsValues: needsValues)
    case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, let smoothing, let axis):
      return try binaryFocalCrossentropy(
        yTrue, yPred, applyClassBalancing: balancing, alpha: Float(alpha), gamma: Float(gamma),
        fromLogits: fromLogits, labelSmoothing: Float(smoothing), axis: axis, needsValues: needsValues)
    case .categoricalCrossentropy(let fromLogits, let labelSmoothing, let axis):
      return try categoricalCrossentropy(
        yTrue, yPred, fromLogits: fromLogits, labelSmoothing: Float(labelSmoothing), axis: axis,
        needsValues: needsValues)
    case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, let smoothing, let axis):
      return try categoricalFocalCrossentropy(
        yTrue, yPred, alpha: alpha.map { Float($0) }, gamma: Float(gamma), fromLogits: fromLogits,
        labelSmoothing: Float(smoothing), axis: axis, needsValues: needsValues)
    case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, let axis):
      return try sparseCategoricalCrossentropy(
        yTrue, yPred, fromLogits: fromLogits, ignoreClass: ignoreClass, axis: axis, needsValues: needsValues)
    case .ctc:
      return try ctc(yTrue, yPred, needsValues: needsValues)
    case .dice(let axis):
      return try dice(yTrue, yPred, axis: axis, needsValues: needsValues)
    case .tversky(let alpha, let beta, let axis):
      return try tversky(yTrue, yPred, alpha: Float(alpha), beta: Float(beta), axis: axis, needsValues: needsValues)
    case .circle(let gamma, let margin, let removeDiagonal):
      return try circle(
        yTrue, yPred, gamma: Float(gamma), margin: Float(margin), removeDiagonal: removeDiagonal,
        needsValues: needsValues)
    case .categoricalGeneralizedCrossEntropy(let q):
      return try categoricalGeneralizedCrossEntropy(yTrue, yPred, q: Float(q), needsValues: needsValues)
    }
  }
}
