import LossCore

/// A Float tensor argument of a kernel: contiguous row-major scalars and their shape, borrowed.
public struct Operand {
  /// The scalars, row-major.
  public let scalars: UnsafeBufferPointer<Float>
  /// The shape; its element count equals `scalars.count`.
  public let shape: [Int]

  /// Borrows `scalars` as a tensor of `shape`.
  ///
  /// - Throws: `LossError.invalidShape` naming `argument` when the count does not fill the shape.
  public init(_ scalars: UnsafeBufferPointer<Float>, shape: [Int], argument: String) throws {
    guard let count = Shape.elementCount(shape), count == scalars.count else {
      throw LossError.invalidShape(
        argument: argument, shape: shape,
        reason: "holds \(scalars.count) scalars but the shape needs \(Shape.elementCount(shape).map(String.init) ?? "an invalid count")")
    }
    self.scalars = scalars
    self.shape = shape
  }

  init(unchecked scalars: UnsafeBufferPointer<Float>, shape: [Int]) {
    self.scalars = scalars
    self.shape = shape
  }

  /// The base address; never dereferenced when the operand is empty.
  var base: UnsafePointer<Float> {
    scalars.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)!
  }
}
