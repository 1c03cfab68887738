/// A dense tensor: a shape and its scalars in contiguous row-major order.
///
/// A tensor of rank 0 (shape `[]`) holds one scalar. A dimension may be 0, in which case the tensor
/// holds no scalars. `Tensor` carries no arithmetic: the reference and the kernels each bring their own.
public struct Tensor<Scalar> {
  /// The extent of each axis, outermost first.
  public let shape: [Int]
  /// The scalars in row-major order; `scalars.count` is the product of `shape`.
  public var scalars: [Scalar]

  /// Creates a tensor of the given shape, checking that `scalars` fills it exactly.
  ///
  /// - Throws: `LossError.invalidShape` when a dimension is negative or the scalar count differs
  ///   from the product of the dimensions; `argument` names the tensor in that error.
  public init(shape: [Int], scalars: [Scalar], argument: String = "tensor") throws {
    guard let count = Shape.elementCount(shape) else {
      throw LossError.invalidShape(
        argument: argument, shape: shape, reason: "dimensions must be non-negative and their product must fit in Int")
    }
    guard count == scalars.count else {
      throw LossError.invalidShape(
        argument: argument, shape: shape,
        reason: "holds \(scalars.count) scalars but the shape needs \(count)")
    }
    self.shape = shape
    self.scalars = scalars
  }

  /// Creates a rank-1 tensor holding `scalars`.
  public init(_ scalars: [Scalar]) {
    self.shape = [scalars.count]
    self.scalars = scalars
  }

  /// Creates a rank-0 tensor holding one scalar.
  public init(scalar: Scalar) {
    self.shape = []
    self.scalars = [scalar]
  }

  /// Creates a tensor without checking the shape; for callers that computed the count themselves.
  @usableFromInline
  internal init(uncheckedShape shape: [Int], scalars: [Scalar]) {
    self.shape = shape
    self.scalars = scalars
  }

  /// The number of axes.
  public var rank: Int { shape.count }

  /// The number of scalars.
  public var count: Int { scalars.count }

  /// Returns a tensor with the same shape whose scalars are `transform` applied to each of these.
  public func map<T>(_ transform: (Scalar) throws -> T) rethrows -> Tensor<T> {
    Tensor<T>(uncheckedShape: shape, scalars: try scalars.map(transform))
  }

  /// Returns the same scalars under a new shape with the same element count.
  ///
  /// - Throws: `LossError.invalidShape` when the element counts differ.
  public func reshaped(to newShape: [Int]) throws -> Tensor {
    try Tensor(shape: newShape, scalars: scalars)
  }
}

extension Tensor: Sendable where Scalar: Sendable {}
extension Tensor: Equatable where Scalar: Equatable {}
extension Tensor: Hashable where Scalar: Hashable {}

extension Tensor: CustomStringConvertible {
  /// The shape and the scalars, nested by axis: `Tensor[2, 2]([[1.0, 2.0], [3.0, 4.0]])`.
  public var description: String {
    let dims = shape.map(String.init).joined(separator: ", ")
    return "Tensor[\(dims)](\(nested(axis: 0, offset: 0)))"
  }

  private func nested(axis: Int, offset: Int) -> String {
    if axis == shape.count { return "\(scalars[offset])" }
    let stride = shape[(axis + 1)...].reduce(1, *)
    let items = (0..<shape[axis]).map { nested(axis: axis + 1, offset: offset + $0 * stride) }
    return "[" + items.joined(separator: ", ") + "]"
  }
}
