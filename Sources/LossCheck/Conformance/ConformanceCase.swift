import LossCore

/// One conformance vector: a loss, its inputs, and what Keras computed for them.
///
/// See `Reference/Conformance/FORMAT.md` for the file format. All tensors are held as Double; in a
/// float32 case every input is exactly a Float value (the parser checks this).
public struct ConformanceCase: Sendable {
  /// What Keras did with the inputs.
  public enum Expectation: Sendable, Hashable {
    /// The loss value Keras returned (shape `[]` for a scalar).
    case value(Tensor<Double>)
    /// Keras rejected the inputs with this Python exception class, e.g. `"ValueError"`.
    case error(String)
  }

  /// The unique name of the case, e.g. `binary_crossentropy-32-00417`.
  public var id: String
  /// The loss with its options.
  public var loss: Loss
  /// The options exactly as the file wrote them (Keras names), for reporting.
  public var options: [String: JSONValue]
  /// How the per-sample losses are reduced.
  public var reduction: Reduction
  /// The precision Keras computed in.
  public var dtype: DType
  /// What kind of inputs the case was drawn from (informative only; empty when absent).
  public var family: String
  public var yTrue: Tensor<Double>
  public var yPred: Tensor<Double>
  public var sampleWeight: Tensor<Double>?
  /// Keras's result: a value, or an error.
  public var expected: Expectation
  /// The bound `expected` is checked with; `nil` only for error cases, which need none.
  public var tolerance: Tolerance?
  /// The gradient of the reduced loss with respect to `y_pred` (gradient vectors only).
  public var expectedGradient: Tensor<Double>?
  /// The bound `expectedGradient` is checked with, element by element.
  public var gradientTolerance: Tolerance?
  /// Where the case was read from.
  public var source: Location

  /// A file (or other label) and a 1-based line number.
  public struct Location: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
      self.file = file
      self.line = line
    }

    /// `file:line`.
    public var description: String { "\(file):\(line)" }
  }

  /// The loss's Keras name, e.g. `binary_crossentropy`.
  public var lossName: LossName { loss.name }

  /// Whether Keras rejected these inputs.
  public var expectsError: Bool {
    if case .error = expected { true } else { false }
  }

  public init(
    id: String, loss: Loss, options: [String: JSONValue] = [:], reduction: Reduction = .sumOverBatchSize,
    dtype: DType, family: String = "", yTrue: Tensor<Double>, yPred: Tensor<Double>,
    sampleWeight: Tensor<Double>? = nil, expected: Expectation, tolerance: Tolerance?,
    expectedGradient: Tensor<Double>? = nil, gradientTolerance: Tolerance? = nil,
    source: Location = Location(file: "<memory>", line: 0)
  ) {
    self.id = id
    self.loss = loss
    self.options = options
    self.reduction = reduction
    self.dtype = dtype
    self.family = family
    self.yTrue = yTrue
    self.yPred = yPred
    self.sampleWeight = sampleWeight
    self.expected = expected
    self.tolerance = tolerance
    self.expectedGradient = expectedGradient
    self.gradientTolerance = gradientTolerance
    self.source = source
  }
}

/// A conformance file could not be read or does not follow the format.
public enum ConformanceError: Error, Hashable, Sendable {
  /// The file could not be opened or is not UTF-8.
  case unreadable(file: String, reason: String)
  /// Line `line` (1-based) of `file` is not a valid case.
  case malformed(file: String, line: Int, reason: String)
}

extension ConformanceError: CustomStringConvertible {
  /// `file:line: reason`, the form compilers use, so editors can jump to the line.
  public var description: String {
    switch self {
    case .unreadable(let file, let reason): "\(file): cannot read conformance vectors: \(reason)"
    case .malformed(let file, let line, let reason): "\(file):\(line): \(reason)"
    }
  }
}
