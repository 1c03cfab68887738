/// Why a loss rejected its input. Every case names the offending argument and what was wrong with it.
///
/// Thrown by the reference and by the kernels alike, so a caller can match on the case and the
/// argument. Non-finite values are not errors: NaN propagates as it does in Keras.
public enum LossError: Error, Hashable, Sendable {
  /// A tensor's shape cannot be used here (wrong rank, empty where a value is undefined, scalar count
  /// that does not fill the shape, ...).
  case invalidShape(argument: String, shape: [Int], reason: String)
  /// Two tensors' shapes do not fit together (neither equal, nor aligned by Keras's rank rule, nor
  /// broadcastable).
  case incompatibleShapes(argument: String, shape: [Int], other: String, otherShape: [Int], reason: String)
  /// A value inside a tensor is outside its domain, e.g. a class label outside [0, C).
  case invalidValue(argument: String, index: Int, value: Double, reason: String)
  /// A loss option, reduction or dtype is outside its domain, e.g. `label_smoothing` outside [0, 1].
  case invalidOption(name: String, value: String, expected: String)

  /// The argument or option the error is about.
  public var argument: String {
    switch self {
    case .invalidShape(let argument, _, _),
      .incompatibleShapes(let argument, _, _, _, _),
      .invalidValue(let argument, _, _, _):
      argument
    case .invalidOption(let name, _, _):
      name
    }
  }
}

extension LossError: CustomStringConvertible {
  /// One line a user can act on: the argument, the offending shape or value, and the rule broken.
  public var description: String {
    switch self {
    case .invalidShape(let argument, let shape, let reason):
      "invalid shape \(shape) for `\(argument)`: \(reason)"
    case .incompatibleShapes(let argument, let shape, let other, let otherShape, let reason):
      "`\(argument)` of shape \(shape) does not fit `\(other)` of shape \(otherShape): \(reason)"
    case .invalidValue(let argument, let index, let value, let reason):
      "invalid value \(value) at flat index \(index) of `\(argument)`: \(reason)"
    case .invalidOption(let name, let value, let expected):
      "invalid option `\(name)` = \(value): expected \(expected)"
    }
  }
}
