//===--- Float32Loss+Gradient.swift ---------------------------------------===//
//
// The Float32 gradient kernels: the public entry points (tensors and borrowed
// buffers), the fused one-pass path and the general path.
//
//===----------------------------------------------------------------------===//

import LossCore

/// The gradient of every Keras loss with respect to `y_pred`, in Float32, with the semantics of
/// JAX autodiff through Keras 3.15.1 (the reference's `Reference.gradient(…, as: .float32)`).
///
/// Conventions (JAX's): no gradient where an input is clipped and half of it exactly at a clip
/// bound; Huber's `<=` branch at |e| = δ; hinge margin 0 → ½; |x| at 0 → 0; ties of a `max` over
/// the class axis share equally; uᵞ has derivative γ·uᵞ⁻¹ even for γ = 0; sample weights, mask
/// weights and every divisor of the reduction are constants; an element of `y_pred` that
/// broadcasting copies receives the sum over its copies. NaN propagates.
///
/// Two paths:
/// - **Fused** (no forward pass before the gradient, nothing allocated): MSE and categorical and
///   sparse categorical crossentropy (probabilities and logits) give value and gradient in one
///   pass; KL divergence and binary crossentropy (probabilities and logits) compute the gradient in
///   one flat loop and the value, when wanted, with the forward kernel (faster than one loop, see
///   `Gradient+Fused.swift`); all when there are no sample weights,
///   `y_true` and `y_pred` have one shape (sparse: `y_pred`'s less the class axis), the reduced axis is
///   the last, and the batch is not empty. Inputs are validated by the kernel itself and throw as
///   the forward kernels do.
/// - **General** (everything else): the forward kernel runs first (it validates the inputs, throws
///   the forward path's errors, and gives the value, the per-sample shape and the mask), the
///   reduction's cotangents are formed in Double, then the loss's gradient kernel runs over the
///   lanes. `valueAndGradient`'s value is then exactly `evaluate`'s.
///
/// Accuracy: each loss documents its bound on its kernel (`Gradient+*.swift`), in ULPs of the
/// gradient element plus, where the element is a difference of terms that cancel, a condition term
/// proportional to u = 2⁻²⁴ times the magnitude of those terms. Measured maxima are in
/// `Tests/LossesTests/GradientKernelTests.swift`.
extension Float32Loss {
  /// The gradient of the reduced loss (for `.none`, of the sum of its elements) with respect to
  /// `yPred`, with `yPred`'s shape.
  ///
  /// - Throws: the `LossError` `evaluate` throws for the same arguments.
  public static func gradient(
    _ loss: Loss, yTrue: Tensor<Float>, yPred: Tensor<Float>, sampleWeight: Tensor<Float>? = nil,
    reduction: Reduction = .sumOverBatchSize
  ) throws -> Tensor<Float> {
    try valueAndGradient(loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction,
                         wantValue: false).gradient
  }

  /// The loss (as `evaluate` returns it) and its gradient with respect to `yPred`, computed in one
  /// pass where the loss has a fused kernel (see the type's documentation).
  ///
  /// - Throws: the `LossError` `evaluate` throws for the same arguments.
  public static func valueAndGradient(
    _ loss: Loss, yTrue: Tensor<Float>, yPred: Tensor<Float>, sampleWeight: Tensor<Float>? = nil,
    reduction: Reduction = .sumOverBatchSize
  ) throws -> (value: Tensor<Float>, gradient: Tensor<Float>) {
    let (value, gradient) = try valueAndGradient(
      loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction, wantValue: true)
    // `wantValue: true` always yields a value.
    return (value!, gradient)
  }

  private static func valueAndGradient(
    _ loss: Loss, yTrue: Tensor<Float>, yPred: Tensor<Float>, sampleWeight: Tensor<Float>?,
    reduction: Reduction, wantValue: Bool
  ) throws -> (value: Tensor<Float>?, gradient: Tensor<Float>) {
    var scalars = [Float](repeating: 0, count: yPred.count)
    let value = try yTrue.scalars.withUnsafeBufferPointer { y in
      try yPred.scalars.withUnsafeBufferPointer { p in
        try scalars.withUnsafeMutableBufferPointer { out -> Tensor<Float>? in
          let yTrue = Operand(unchecked: y, shape: yTrue.shape)
          let yPred = Operand(unchecked: p, shape: yPred.shape)
          guard let sampleWeight else {
            let losses = try gradientCore(loss, yTrue, yPred, nil, reduction, out, wantValue: wantValue)
            return try wantValue ? losses.map { try reduce($0, sampleWeight: nil, reduction: reduction) } : nil
          }
          return try sampleWeight.scalars.withUnsafeBufferPointer { w in
            let weight = Operand(unchecked: w, shape: sampleWeight.shape)
            let losses = try gradientCore(loss, yTrue, yPred, weight, reduction, out, wantValue: wantValue)
            return try wantValue ? losses.map { try reduce($0, sampleWeight: weight, reduction: reduction) } : nil
          }
        }
      }
    }
    return (value, try Tensor(shape: yPred.shape, scalars: scalars, argument: "y_pred"))
  }

  /// Writes the gradient of the reduced loss with respect to `yPred` into `gradient` (which must
  /// hold `yPred`'s element count). On the fused path nothing is allocated.
  ///
  /// - Throws: `LossError.invalidShape` naming `gradient` when its count differs from `yPred`'s,
  ///   and otherwise as `evaluate`.
  public static func gradient(
    _ loss: Loss, yTrue: Operand, yPred: Operand, sampleWeight: Operand? = nil,
    reduction: Reduction = .sumOverBatchSize, into gradient: UnsafeMutableBufferPointer<Float>
  ) throws {
    _ = try gradientCore(loss, yTrue, yPred, sampleWeight, reduction, gradient, wantValue: false)
  }

  /// The loss (as `evaluate` returns it), with its gradient written into `gradient`.
  ///
  /// - Throws: as `gradient(_:yTrue:yPred:sampleWeight:reduction:into:)`.
  public static func valueAndGradient(
    _ loss: Loss, yTrue: Operand, yPred: Operand, sampleWeight: Operand? = nil,
    reduction: Reduction = .sumOverBatchSize, into gradient: UnsafeMutableBufferPointer<Float>
  ) throws -> Tensor<Float> {
    // `wantValue: true` always yields a value.
    let losses = try gradientCore(loss, yTrue, yPred, sampleWeight, reduction, gradient, wantValue: true)!
    return try reduce(losses, sampleWeight: sampleWeight, reduction: reduction)
  }

  /// The reduced loss, with its gradient written into `gradient`; allocation-free on the fused path.
  ///
  /// - Throws: `LossError.invalidOption` naming `reduction` for `.none`, `LossError.invalidShape`
  ///   for an empty batch (no scalar value), and otherwise as `valueAndGradient`.
  public static func reducedValueAndGradient(
    _ loss: Loss, yTrue: Operand, yPred: Operand, sampleWeight: Operand? = nil,
    reduction: Reduction = .sumOverBatchSize, into gradient: UnsafeMutableBufferPointer<Float>
  ) throws -> Float {
    guard reduction != .none else {
      throw LossError.invalidOption(
        name: "reduction", value: "none", expected: "a reducing reduction; use valueAndGradient for per-sample losses")
    }
    let value = try valueAndGradient(
      loss, yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, reduction: reduction, into: gradient)
    guard value.count == 1 else {
      throw LossError.invalidShape(
        argument: "y_pred", shape: yPred.shape, reason: "the loss of an empty batch is an empty tensor, not a value")
    }
    return value.scalars[0]
  }

  /// Validates, writes the gradient into `out`, and returns the per-sample losses (always on the
  /// general path; on the fused path only when `wantValue`).
  static func gradientCore(
    _ loss: Loss, _ yTrue: Operand, _ yPred: Operand, _ sampleWeight: Operand?, _ reduction: Reduction,
    _ out: UnsafeMutableBufferPointer<Float>, wantValue: Bool
  ) throws -> PerSampleLosses? {
    guard out.count == yPred.scalars.count else {
      throw LossError.invalidShape(
        argument: "gradient", shape: [out.count],
        reason: "the gradient buffer needs y_pred's \(yPred.scalars.count) elements")
    }
    try loss.validate()
    if sampleWeight == nil,
      let fused = try fusedGradient(loss, yTrue, yPred, reduction, out, wantValue: wantValue)
    {
      return fused
    }
    let losses = try perSampleLosses(loss, yTrue, yPred, needsValues: needsValues(reduction: reduction, sampleWeight: sampleWeight))
    let upstream = try GradientUpstream(losses, sampleWeight: sampleWeight, reduction: reduction)
    try perSampleGradient(loss, yTrue, yPred, upstream, out)
    return losses
  }

  /// The general path's gradient kernels: ∂(Σᵢ upstreamᵢ·lᵢ)/∂y_pred, the inputs already validated
  /// by the forward kernel.
  static func perSampleGradient(
    _ loss: Loss, _ y: Operand, _ p: Operand, _ upstream: GradientUpstream, _ out: UnsafeMutableBufferPointer<Float>
  ) throws {
    switch loss {
    case .meanSquaredError:
      ElementwiseGradient.meanSquaredError(y, p, upstream, out)
    case .meanAbsoluteError:
      ElementwiseGradient.meanAbsoluteError(y, p, upstream, out)
    case .meanAbsolutePercentageError:
      ElementwiseGradient.meanAbsolutePercentageError(y, p, upstream, out)
    case .meanSquaredLogarithmicError:
      ElementwiseGradient.meanSquaredLogarithmicError(y, p, upstream, out)
    case .huber(let delta):
      ElementwiseGradient.huber(y, p, upstream, delta: Float(delta), out)
    case .logCosh:
      ElementwiseGradient.logCosh(y, p, upstream, out)
    case .poisson:
      ElementwiseGradient.poisson(y, p, upstream, out)
    case .klDivergence:
      ElementwiseGradient.klDivergence(y, p, upstream, out)
    case .binaryCrossentropy(let fromLogits, let labelSmoothing, let axis):
      ElementwiseGradient.binaryCrossentropy(
        y, p, upstream, fromLogits: fromLogits, labelSmoothing: Float(labelSmoothing), axis: axis, out)
    case .hinge:
      ScalarGradient.hinge(y, p, upstream, squared: false, out)
    case .squaredHinge:
      ScalarGradient.hinge(y, p, upstream, squared: true, out)
    case .categoricalHinge:
      ScalarGradient.categoricalHinge(y, p, upstream, out)
    case .cosineSimilarity(let axis):
      ScalarGradient.cosineSimilarity(y, p, upstream, axis: axis, out)
    case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, let smoothing, let axis):
      ScalarGradient.binaryFocalCrossentropy(
        y, p, upstream, applyClassBalancing: balancing, alpha: Double(Float(alpha)), gamma: Double(Float(gamma)),
        fromLogits: fromLogits, labelSmoothing: Double(Float(smoothing)), axis: axis, out)
    case .categoricalCrossentropy(let fromLogits, let labelSmoothing, let axis):
      CategoricalGradient.categoricalCrossentropy(
        y, p, upstream, fromLogits: fromLogits, labelSmoothing: Float(labelSmoothing), axis: axis, out)
    case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, let smoothing, let axis):
      ScalarGradient.categoricalFocalCrossentropy(
        y, p, upstream, alpha: alpha.map { Double(Float($0)) }, gamma: Double(Float(gamma)), fromLogits: fromLogits,
        labelSmoothing: Double(Float(smoothing)), axis: axis, out)
    case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, let axis):
      CategoricalGradient.sparseCategoricalCrossentropy(
        y, p, upstream, fromLogits: fromLogits, ignoreClass: ignoreClass, axis: axis, out)
    case .categoricalGeneralizedCrossEntropy(let q):
      ScalarGradient.generalizedCrossEntropy(y, p, upstream, q: Double(Float(q)), out)
    case .dice(let axis):
      ScalarGradient.tversky(y, p, upstream, alpha: 0.5, beta: 0.5, dice: true, axis: axis, out)
    case .tversky(let alpha, let beta, let axis):
      ScalarGradient.tversky(
        y, p, upstream, alpha: Double(Float(alpha)), beta: Double(Float(beta)), dice: false, axis: axis, out)
    case .ctc:
      SequenceGradient.ctc(y, p, upstream, out)
    case .circle(let gamma, let margin, let removeDiagonal):
      SequenceGradient.circle(
        y, p, upstream, gamma: Double(Float(gamma)), margin: Double(Float(margin)), removeDiagonal: removeDiagonal, out)
    }
  }
}
