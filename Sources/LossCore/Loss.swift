/// One of the 22 Keras 3 losses with its options; each option defaults to Keras's default.
///
/// Build one with the case name and only the options you change, e.g.
/// `.binaryCrossentropy(fromLogits: true)` or `.huber(delta: 2)`. Axes follow Keras: negative values
/// count from the last axis. Options are validated by `validate()`, which every evaluator calls first.
public enum Loss: Sendable, Hashable {
  /// mean over the last axis of (y − p)².
  case meanSquaredError
  /// mean over the last axis of |y − p|.
  case meanAbsoluteError
  /// 100 · mean over the last axis of |(y − p) / max(|y|, eps)|.
  case meanAbsolutePercentageError
  /// mean over the last axis of (log(max(p, eps) + 1) − log(max(y, eps) + 1))², with a float32 eps.
  case meanSquaredLogarithmicError
  /// −Σ over `axis` of ŷ·p̂, each vector divided by max(‖x‖, eps).
  case cosineSimilarity(axis: Int = -1)
  /// mean over the last axis of ½e² where |e| ≤ δ, else δ|e| − ½δ²; e = p − y.
  case huber(delta: Double = 1)
  /// mean over the last axis of x + softplus(−2x) − log 2 (float32-rounded), x = p − y.
  case logCosh
  /// mean over the last axis of max(1 − y'·p, 0); y' = 2y − 1 when all of y_true is in {0, 1}.
  case hinge
  /// mean over the last axis of max(1 − y'·p, 0)², with hinge's label conversion.
  case squaredHinge
  /// max(max((1 − y)·p) − Σ y·p + 1, 0) over the last axis.
  case categoricalHinge
  /// Σ over the last axis of y·log(y / p), both clipped to [eps, 1].
  case klDivergence
  /// mean over the last axis of p − y·log(p + eps).
  case poisson
  /// mean over `axis` of −(t·log p + (1 − t)·log(1 − p)), p clipped to [eps, 1 − eps].
  case binaryCrossentropy(fromLogits: Bool = false, labelSmoothing: Double = 0, axis: Int = -1)
  /// binary crossentropy times (1 − p_t)^γ, optionally weighted by α for positives, 1 − α for negatives.
  case binaryFocalCrossentropy(
    applyClassBalancing: Bool = false, alpha: Double = 0.25, gamma: Double = 2,
    fromLogits: Bool = false, labelSmoothing: Double = 0, axis: Int = -1)
  /// −Σ over `axis` of t·log(clip(p / Σp)), or −Σ t·log_softmax(x) from logits.
  case categoricalCrossentropy(fromLogits: Bool = false, labelSmoothing: Double = 0, axis: Int = -1)
  /// Σ over `axis` of α·(1 − o)^γ · (−t·log o), o the renormalised, clipped probabilities.
  /// `alpha` holds one value for every class, or one value per class (along the last axis).
  case categoricalFocalCrossentropy(
    alpha: [Double] = [0.25], gamma: Double = 2, fromLogits: Bool = false,
    labelSmoothing: Double = 0, axis: Int = -1)
  /// Categorical crossentropy with integer labels; entries labelled `ignoreClass` are masked out.
  case sparseCategoricalCrossentropy(fromLogits: Bool = false, ignoreClass: Int? = nil, axis: Int = -1)
  /// Connectionist temporal classification: labels (B, L) padded with 0, logits (B, T, C), blank 0.
  case ctc
  /// 1 − 2·Σ y·p / (Σ y + Σ p + eps) over `axis` (all axes when `nil`).
  case dice(axis: [Int]? = nil)
  /// 1 − TP / (TP + α·FP + β·FN + eps) over `axis` (all axes when `nil`).
  case tversky(alpha: Double = 0.5, beta: Double = 0.5, axis: [Int]? = nil)
  /// Circle loss over a batch of embeddings (B, D) and integer labels (B,).
  case circle(gamma: Double = 80, margin: Double = 0.4, removeDiagonal: Bool = true)
  /// (1 − p_t^q) / q, with integer labels selecting p_t.
  case categoricalGeneralizedCrossEntropy(q: Double = 0.5)

  /// The Keras function name, e.g. `"binary_crossentropy"`.
  public var name: LossName {
    switch self {
    case .meanSquaredError: .meanSquaredError
    case .meanAbsoluteError: .meanAbsoluteError
    case .meanAbsolutePercentageError: .meanAbsolutePercentageError
    case .meanSquaredLogarithmicError: .meanSquaredLogarithmicError
    case .cosineSimilarity: .cosineSimilarity
    case .huber: .huber
    case .logCosh: .logCosh
    case .hinge: .hinge
    case .squaredHinge: .squaredHinge
    case .categoricalHinge: .categoricalHinge
    case .klDivergence: .klDivergence
    case .poisson: .poisson
    case .binaryCrossentropy: .binaryCrossentropy
    case .binaryFocalCrossentropy: .binaryFocalCrossentropy
    case .categoricalCrossentropy: .categoricalCrossentropy
    case .categoricalFocalCrossentropy: .categoricalFocalCrossentropy
    case .sparseCategoricalCrossentropy: .sparseCategoricalCrossentropy
    case .ctc: .ctc
    case .dice: .dice
    case .tversky: .tversky
    case .circle: .circle
    case .categoricalGeneralizedCrossEntropy: .categoricalGeneralizedCrossEntropy
    }
  }

  /// Whether the loss reads `y_pred` as logits.
  public var isFromLogits: Bool {
    switch self {
    case .binaryCrossentropy(let fromLogits, _, _),
      .categoricalCrossentropy(let fromLogits, _, _),
      .sparseCategoricalCrossentropy(let fromLogits, _, _):
      fromLogits
    case .binaryFocalCrossentropy(_, _, _, let fromLogits, _, _),
      .categoricalFocalCrossentropy(_, _, let fromLogits, _, _):
      fromLogits
    case .ctc:
      true
    default:
      false
    }
  }
}

/// The 22 Keras 3 loss function names.
public enum LossName: String, CaseIterable, Sendable, Hashable {
  case meanSquaredError = "mean_squared_error"
  case meanAbsoluteError = "mean_absolute_error"
  case meanAbsolutePercentageError = "mean_absolute_percentage_error"
  case meanSquaredLogarithmicError = "mean_squared_logarithmic_error"
  case cosineSimilarity = "cosine_similarity"
  case huber = "huber"
  case logCosh = "log_cosh"
  case hinge = "hinge"
  case squaredHinge = "squared_hinge"
  case categoricalHinge = "categorical_hinge"
  case klDivergence = "kl_divergence"
  case poisson = "poisson"
  case binaryCrossentropy = "binary_crossentropy"
  case binaryFocalCrossentropy = "binary_focal_crossentropy"
  case categoricalCrossentropy = "categorical_crossentropy"
  case categoricalFocalCrossentropy = "categorical_focal_crossentropy"
  case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
  case ctc = "ctc"
  case dice = "dice"
  case tversky = "tversky"
  case circle = "circle"
  case categoricalGeneralizedCrossEntropy = "categorical_generalized_cross_entropy"
}
