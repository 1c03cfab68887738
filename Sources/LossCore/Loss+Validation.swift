extension Loss {
  /// Checks every option against its domain.
  ///
  /// The domains: `label_smoothing` in [0, 1]; `delta` > 0; `alpha` in [0, 1] for binary focal, each
  /// per-class `alpha` finite and ≥ 0 (at least one value) for categorical focal; `gamma` ≥ 0 for the
  /// focal losses and > 0 for circle; `margin` finite; `q` in (0, 1) (Keras raises otherwise);
  /// tversky's `alpha`, `beta` ≥ 0; dice and tversky axes non-empty and distinct. All values finite.
  ///
  /// - Throws: `LossError.invalidOption` naming the option and its value.
  public func validate() throws {
    switch self {
    case .meanSquaredError, .meanAbsoluteError, .meanAbsolutePercentageError,
      .meanSquaredLogarithmicError, .cosineSimilarity, .logCosh, .hinge, .squaredHinge,
      .categoricalHinge, .klDivergence, .poisson, .sparseCategoricalCrossentropy, .ctc:
      return
    case .huber(let delta):
      try Self.require(delta, "delta", "a finite number > 0") { $0 > 0 }
    case .binaryCrossentropy(_, let labelSmoothing, _),
      .categoricalCrossentropy(_, let labelSmoothing, _):
      try Self.requireLabelSmoothing(labelSmoothing)
    case .binaryFocalCrossentropy(_, let alpha, let gamma, _, let labelSmoothing, _):
      try Self.require(alpha, "alpha", "a number in [0, 1]") { (0...1).contains($0) }
      try Self.require(gamma, "gamma", "a finite number ≥ 0") { $0 >= 0 }
      try Self.requireLabelSmoothing(labelSmoothing)
    case .categoricalFocalCrossentropy(let alpha, let gamma, _, let labelSmoothing, _):
      guard !alpha.isEmpty else {
        throw LossError.invalidOption(name: "alpha", value: "[]", expected: "one value, or one per class")
      }
      for value in alpha {
        try Self.require(value, "alpha", "finite numbers ≥ 0") { $0 >= 0 }
      }
      try Self.require(gamma, "gamma", "a finite number ≥ 0") { $0 >= 0 }
      try Self.requireLabelSmoothing(labelSmoothing)
    case .dice(let axis):
      try Self.requireAxes(axis)
    case .tversky(let alpha, let beta, let axis):
      try Self.require(alpha, "alpha", "a finite number ≥ 0") { $0 >= 0 }
      try Self.require(beta, "beta", "a finite number ≥ 0") { $0 >= 0 }
      try Self.requireAxes(axis)
    case .circle(let gamma, let margin, _):
      try Self.require(gamma, "gamma", "a finite number > 0") { $0 > 0 }
      try Self.require(margin, "margin", "a finite number") { _ in true }
    case .categoricalGeneralizedCrossEntropy(let q):
      try Self.require(q, "q", "a number in the open interval (0, 1)") { $0 > 0 && $0 < 1 }
    }
  }

  private static func require(
    _ value: Double, _ name: String, _ expected: String, _ isValid: (Double) -> Bool
  ) throws {
    guard value.isFinite, isValid(value) else {
      throw LossError.invalidOption(name: name, value: "\(value)", expected: expected)
    }
  }

  private static func requireLabelSmoothing(_ value: Double) throws {
    try require(value, "label_smoothing", "a number in [0, 1]") { (0...1).contains($0) }
  }

  private static func requireAxes(_ axes: [Int]?) throws {
    guard let axes else { return }
    guard !axes.isEmpty, Set(axes).count == axes.count else {
      throw LossError.invalidOption(
        name: "axis", value: "\(axes)", expected: "nil (all axes) or a non-empty list of distinct axes")
    }
  }
}
