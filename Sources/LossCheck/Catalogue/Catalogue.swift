import LossCore

/// The verification catalogue: for each loss, the option combinations checked and the properties
/// each must satisfy.
public enum Catalogue {
  /// The option combinations the suite checks for `name`: Keras's defaults and each option that
  /// changes the arithmetic.
  public static func configurations(of name: LossName) -> [Loss] {
    switch name {
    case .meanSquaredError: [.meanSquaredError]
    case .meanAbsoluteError: [.meanAbsoluteError]
    case .meanAbsolutePercentageError: [.meanAbsolutePercentageError]
    case .meanSquaredLogarithmicError: [.meanSquaredLogarithmicError]
    case .cosineSimilarity: [.cosineSimilarity(), .cosineSimilarity(axis: 0)]
    case .huber: [.huber(), .huber(delta: 0.5), .huber(delta: 2.5)]
    case .logCosh: [.logCosh]
    case .hinge: [.hinge]
    case .squaredHinge: [.squaredHinge]
    case .categoricalHinge: [.categoricalHinge]
    case .klDivergence: [.klDivergence]
    case .poisson: [.poisson]
    case .binaryCrossentropy:
      [
        .binaryCrossentropy(), .binaryCrossentropy(fromLogits: true),
        .binaryCrossentropy(labelSmoothing: 0.1), .binaryCrossentropy(fromLogits: true, labelSmoothing: 0.2),
        .binaryCrossentropy(axis: 0),
      ]
    case .binaryFocalCrossentropy:
      [
        .binaryFocalCrossentropy(), .binaryFocalCrossentropy(fromLogits: true),
        .binaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.6),
        .binaryFocalCrossentropy(gamma: 0), .binaryFocalCrossentropy(gamma: 0.5, labelSmoothing: 0.2),
      ]
    case .categoricalCrossentropy:
      [
        .categoricalCrossentropy(), .categoricalCrossentropy(fromLogits: true),
        .categoricalCrossentropy(labelSmoothing: 0.1), .categoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1),
        .categoricalCrossentropy(axis: 0),
      ]
    case .categoricalFocalCrossentropy:
      [
        .categoricalFocalCrossentropy(), .categoricalFocalCrossentropy(fromLogits: true),
        .categoricalFocalCrossentropy(gamma: 0), .categoricalFocalCrossentropy(alpha: [0.5], gamma: 1, labelSmoothing: 0.1),
      ]
    case .sparseCategoricalCrossentropy:
      [
        .sparseCategoricalCrossentropy(), .sparseCategoricalCrossentropy(fromLogits: true),
        .sparseCategoricalCrossentropy(ignoreClass: -1), .sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0),
      ]
    case .ctc: [.ctc]
    case .dice: [.dice(), .dice(axis: [-1]), .dice(axis: [1, 2])]
    case .tversky: [.tversky(), .tversky(alpha: 0.7, beta: 0.3, axis: [-1])]
    case .circle: [.circle(), .circle(gamma: 10, margin: 0.25), .circle(removeDiagonal: false)]
    case .categoricalGeneralizedCrossEntropy:
      [.categoricalGeneralizedCrossEntropy(), .categoricalGeneralizedCrossEntropy(q: 0.1),
       .categoricalGeneralizedCrossEntropy(q: 0.9)]
    }
  }

  /// Every property of `loss` that applies to `candidate`: agreement with the reference, the
  /// loss's invariants (stated as they hold under Keras's clipping), the reduction laws, the
  /// clipping and edge values, (for candidates that validate input) bad input, and (for candidates
  /// with a gradient kernel) the gradient properties of `GradientProperties`.
  public static func properties(of loss: Loss, for candidate: Candidate) -> [LossProperty] {
    var properties = [Agreement.property(loss, for: candidate)]
    properties += Invariants.properties(of: loss, for: candidate)
    properties += ReductionLaws.properties(of: loss, for: candidate)
    properties += EdgeCases.properties(of: loss, for: candidate)
    if candidate.validatesInput {
      properties += BadInput.properties(of: loss, for: candidate)
    }
    properties += GradientProperties.properties(of: loss, for: candidate)
    return properties
  }
}
