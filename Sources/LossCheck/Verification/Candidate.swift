import LossCore
import Losses

/// A Float32 loss kernel under verification, and what it supports.
///
/// The built-in kernels are `Candidate.float32Kernels`. A kernel of your own is usually one loss
/// with fixed options and one reduction: wrap it with `Candidate.tensors` or `Candidate.buffers`,
/// and the suite generates only the inputs it supports.
public struct Candidate: Sendable {
  /// A name for reports.
  public var name: String
  /// The reductions the kernel implements; inputs use only these.
  public var reductions: [Reduction]
  /// Whether the kernel takes sample weights.
  public var acceptsSampleWeights: Bool
  /// Whether the kernel rejects bad input with `LossError` (the bad-input properties run only then).
  public var validatesInput: Bool
  /// Evaluates the loss on one input.
  public var evaluate: @Sendable (Loss, LossInput) throws -> Tensor<Float>
  /// The gradient of the reduced loss (for `.none`, of the sum of its elements) with respect to
  /// `y_pred`, with `y_pred`'s shape; nil for a value-only kernel. When set, the catalogue adds the
  /// gradient properties (`GradientProperties`).
  public var gradient: (@Sendable (Loss, LossInput) throws -> Tensor<Float>)?
  /// Whether `verify` also checks the reference gradient itself against finite differences (the
  /// same for every candidate, so by default only the built-in kernels, i.e. the main job, pay for it).
  public var checksReferenceGradient = false

  /// Creates a candidate from a function of the loss and the whole input.
  public init(
    name: String, reductions: [Reduction] = Reduction.allCases, acceptsSampleWeights: Bool = true,
    validatesInput: Bool = true, evaluate: @escaping @Sendable (Loss, LossInput) throws -> Tensor<Float>,
    gradient: (@Sendable (Loss, LossInput) throws -> Tensor<Float>)? = nil
  ) {
    self.name = name
    self.reductions = reductions
    self.acceptsSampleWeights = acceptsSampleWeights
    self.validatesInput = validatesInput
    self.evaluate = evaluate
    self.gradient = gradient
  }

  /// The module's optimised kernels, `Float32Loss.evaluate` and `Float32Loss.gradient`: every loss,
  /// option and reduction. It also checks the reference gradient against finite differences.
  public static let float32Kernels: Candidate = {
    var kernels = Candidate(
      name: "Float32Loss",
      evaluate: { loss, input in
        try Float32Loss.evaluate(
          loss, yTrue: input.yTrue, yPred: input.yPred, sampleWeight: input.sampleWeight, reduction: input.reduction)
      },
      gradient: { loss, input in
        try Float32Loss.gradient(
          loss, yTrue: input.yTrue, yPred: input.yPred, sampleWeight: input.sampleWeight, reduction: input.reduction)
      })
    kernels.checksReferenceGradient = true
    return kernels
  }()

  /// A kernel over tensors that returns the loss reduced with `reduction`, without sample weights.
  ///
  ///     let candidate = Candidate.tensors(name: "my MSE") { yTrue, yPred in myMSE(yTrue.scalars, yPred.scalars) }
  public static func tensors(
    name: String, reduction: Reduction = .sumOverBatchSize, validatesInput: Bool = false,
    _ kernel: @escaping @Sendable (_ yTrue: Tensor<Float>, _ yPred: Tensor<Float>) throws -> Float
  ) -> Candidate {
    Candidate(name: name, reductions: [reduction], acceptsSampleWeights: false, validatesInput: validatesInput) {
      _, input in
      Tensor(scalar: try kernel(input.yTrue, input.yPred))
    }
  }

  /// A kernel over raw buffers and shapes that returns the loss reduced with `reduction`, without
  /// sample weights: the form of a kernel written against pointers.
  public static func buffers(
    name: String, reduction: Reduction = .sumOverBatchSize, validatesInput: Bool = false,
    _ kernel: @escaping @Sendable (
      _ yTrue: UnsafeBufferPointer<Float>, _ trueShape: [Int], _ yPred: UnsafeBufferPointer<Float>, _ predShape: [Int]
    ) throws -> Float
  ) -> Candidate {
    Candidate(name: name, reductions: [reduction], acceptsSampleWeights: false, validatesInput: validatesInput) {
      _, input in
      let value = try input.yTrue.scalars.withUnsafeBufferPointer { y in
        try input.yPred.scalars.withUnsafeBufferPointer { p in
          try kernel(y, input.yTrue.shape, p, input.yPred.shape)
        }
      }
      return Tensor(scalar: value)
    }
  }

  /// The candidate's value on `input`.
  func callAsFunction(_ loss: Loss, _ input: LossInput) throws -> Tensor<Float> {
    try evaluate(loss, input)
  }
}
