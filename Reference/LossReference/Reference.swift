import LossCore

/// The Double-precision reference of every Keras 3 loss: the ground truth the kernels are checked
/// against.
///
/// Each loss follows Keras 3.15.1's code in order of operations, clipping constants and reductions
/// (see the project's `keras-losses.md` spec), evaluated in Double with compensated sums, `log1p`,
/// and stable log-sum-exp and softplus. `as dtype` selects Keras's constants: `.float32` clips with
/// `Float(1e-7)` and `1 − 2⁻²³` and rounds options and sample weights to Float, with Double
/// arithmetic otherwise; `.float64` evaluates Keras's formulas in float64 (as on the TensorFlow
/// backend).
///
/// NaN inputs propagate as in Keras (a NaN prediction gives a NaN loss); they are not errors.
/// Integer labels (sparse categorical, generalized crossentropy, CTC, circle) must be integral and
/// in range, otherwise the call throws.
public enum Reference {
  /// The loss of `yPred` against `yTrue`, weighted by `sampleWeight` and reduced by `reduction`.
  ///
  /// - Returns: a scalar tensor (shape `[]`), or for `.none` the weighted per-sample losses; a loss
  ///   whose own reduction already gives a scalar (dice and tversky over all axes) is returned as it
  ///   is, as in Keras.
  /// - Throws: `LossError` naming the argument when an option is out of its domain, the shapes do
  ///   not fit, a label is out of range, or the value would be undefined (an empty reduced axis).
  public static func evaluate(
    _ loss: Loss, yTrue: Tensor<Double>, yPred: Tensor<Double>,
    sampleWeight: Tensor<Double>? = nil, reduction: Reduction = .sumOverBatchSize,
    as dtype: DType = .float64
  ) throws -> Tensor<Double> {
    let unreduced = try perSampleLosses(loss, yTrue: yTrue, yPred: yPred, as: dtype)
    return try reduce(unreduced, sampleWeight: sampleWeight, reduction: reduction, dtype: dtype)
  }

  /// The per-sample losses before the batch reduction and before sample weights, with the mask of
  /// the entries that count (`ignore_class`, circle's `l > 0`), or `nil` when all count.
  public static func unreducedLosses(
    _ loss: Loss, yTrue: Tensor<Double>, yPred: Tensor<Double>, as dtype: DType = .float64
  ) throws -> (values: Tensor<Double>, mask: [Bool]?) {
    let unreduced = try perSampleLosses(loss, yTrue: yTrue, yPred: yPred, as: dtype)
    return (unreduced.values, unreduced.mask)
  }

  static func perSampleLosses(
    _ loss: Loss, yTrue: Tensor<Double>, yPred: Tensor<Double>, as dtype: DType
  ) throws -> Unreduced {
    try loss.validate()
    let yTrue = yTrue.map(dtype.rounded)
    let yPred = yPred.map(dtype.rounded)
    let constants = Constants(dtype)
    switch loss {
    case .meanSquaredError:
      return try meanSquaredError(yTrue, yPred)
    case .meanAbsoluteError:
      return try meanAbsoluteError(yTrue, yPred)
    case .meanAbsolutePercentageError:
      return try meanAbsolutePercentageError(yTrue, yPred, constants)
    case .meanSquaredLogarithmicError:
      return try meanSquaredLogarithmicError(yTrue, yPred)
    case .cosineSimilarity(let axis):
      return try cosineSimilarity(yTrue, yPred, axis: axis, constants)
    case .huber(let delta):
      return try huber(yTrue, yPred, delta: dtype.rounded(delta))
    case .logCosh:
      return try logCosh(yTrue, yPred, log2: dtype.rounded(0.6931471805599453))
    case .hinge:
      return try hinge(yTrue, yPred, squared: false)
    case .squaredHinge:
      return try hinge(yTrue, yPred, squared: true)
    case .categoricalHinge:
      return try categoricalHinge(yTrue, yPred)
    case .klDivergence:
      return try klDivergence(yTrue, yPred, constants)
    case .poisson:
      return try poisson(yTrue, yPred, constants)
    case .binaryCrossentropy(let fromLogits, let labelSmoothing, let axis):
      return try binaryCrossentropy(
        yTrue, yPred, fromLogits: fromLogits, labelSmoothing: dtype.rounded(labelSmoothing), axis: axis,
        constants)
    case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, let smoothing, let axis):
      return try binaryFocalCrossentropy(
        yTrue, yPred, applyClassBalancing: balancing, alpha: dtype.rounded(alpha), gamma: dtype.rounded(gamma),
        fromLogits: fromLogits, labelSmoothing: dtype.rounded(smoothing), axis: axis, constants)
    case .categoricalCrossentropy(let fromLogits, let labelSmoothing, let axis):
      return try categoricalCrossentropy(
        yTrue, yPred, fromLogits: fromLogits, labelSmoothing: dtype.rounded(labelSmoothing), axis: axis,
        constants)
    case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, let smoothing, let axis):
      return try categoricalFocalCrossentropy(
        yTrue, yPred, alpha: alpha.map(dtype.rounded), gamma: dtype.rounded(gamma), fromLogits: fromLogits,
        labelSmoothing: dtype.rounded(smoothing), axis: axis, constants)
    case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, let axis):
      return try sparseCategoricalCrossentropy(
        yTrue, yPred, fromLogits: fromLogits, ignoreClass: ignoreClass, axis: axis, constants)
    case .ctc:
      return try ctc(yTrue, yPred)
    case .dice(let axis):
      return try dice(yTrue, yPred, axis: axis, constants)
    case .tversky(let alpha, let beta, let axis):
      return try tversky(
        yTrue, yPred, alpha: dtype.rounded(alpha), beta: dtype.rounded(beta), axis: axis, constants)
    case .circle(let gamma, let margin, let removeDiagonal):
      return try circle(
        yTrue, yPred, gamma: dtype.rounded(gamma), margin: dtype.rounded(margin),
        removeDiagonal: removeDiagonal)
    case .categoricalGeneralizedCrossEntropy(let q):
      return try categoricalGeneralizedCrossEntropy(yTrue, yPred, q: dtype.rounded(q))
    }
  }
}

/// Keras's constants in the evaluation dtype.
struct Constants {
  /// `epsilon()` in the dtype.
  let epsilon: Double
  /// `1 - epsilon()` as computed in the dtype (1 − 2⁻²³ for float32).
  let oneMinusEpsilon: Double

  init(_ dtype: DType) {
    epsilon = dtype.epsilon
    oneMinusEpsilon = dtype.oneMinusEpsilon
  }

  /// `epsilon()` as a float32 tensor, whatever the dtype: MSLE's `convert_to_tensor(epsilon())`.
  static let float32Epsilon = Double(Float(1e-7))
}
