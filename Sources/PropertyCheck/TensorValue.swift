/// A generated tensor: a shape and its scalars in row-major order, printed with its shape.
///
/// PropertyCheck depends on no other module, so it carries its own minimal tensor; convert it to
/// your tensor type inside the property. Its description nests the scalars by axis after the
/// shape, e.g. `[2, 3] [[0.0, 1.5, 0.0], [1.0, 0.0, 0.0]]`.
public struct TensorValue<Scalar>: CustomStringConvertible {
  /// The extent of each axis, outermost first.
  public var shape: [Int]
  /// The scalars in row-major order; their count is the product of `shape`.
  public var scalars: [Scalar]

  /// Creates a tensor, checking that `scalars` fills `shape` exactly.
  public init(shape: [Int], scalars: [Scalar]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "tensor dimensions must be non-negative")
    precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
    self.shape = shape
    self.scalars = scalars
  }

  /// The number of axes.
  public var rank: Int { shape.count }

  /// The shape followed by the scalars nested by axis.
  public var description: String {
    var text = "\(shape) "
    var next = 0
    appendNested(axis: 0, to: &text, next: &next)
    return text
  }

  /// Appends the sub-tensor at `axis` whose first scalar is `scalars[next]`.
  private func appendNested(axis: Int, to text: inout String, next: inout Int) {
    if axis == shape.count {
      text += String(describing: scalars[next])
      next += 1
      return
    }
    text += "["
    for index in 0..<shape[axis] {
      if index > 0 { text += ", " }
      appendNested(axis: axis + 1, to: &text, next: &next)
    }
    text += "]"
  }
}

extension TensorValue: Equatable where Scalar: Equatable {}
extension TensorValue: Hashable where Scalar: Hashable {}
extension TensorValue: Sendable where Scalar: Sendable {}
