/// Shape arithmetic shared by the reference and the kernels: element counts, broadcasting and
/// Keras's rank alignment. Only integers are computed here, never loss values.
public enum Shape {
  /// The product of the dimensions, or `nil` when a dimension is negative or the product overflows.
  public static func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dim in shape {
      guard dim >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dim)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }

  /// The row-major strides of a shape (elements, not bytes).
  public static func strides(_ shape: [Int]) -> [Int] {
    var strides = Array(repeating: 1, count: shape.count)
    var running = 1
    for axis in shape.indices.reversed() {
      strides[axis] = running
      running *= shape[axis]
    }
    return strides
  }

  /// The NumPy broadcast of two shapes, aligned at their trailing axes, or `nil` when a pair of
  /// dimensions differs and neither is 1.
  public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var result = Array(repeating: 0, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      if da == db || db == 1 {
        result[i] = da
      } else if da == 1 {
        result[i] = db
      } else {
        return nil
      }
    }
    return result
  }

  /// For each element of a tensor of shape `target`, the offset of the element of a tensor of shape
  /// `source` that broadcasting maps onto it. `source` must broadcast to `target`.
  public static func broadcastIndices(from source: [Int], to target: [Int]) -> [Int] {
    let pad = target.count - source.count
    let sourceStrides = strides(source)
    // Stride 0 along axes that are broadcast (absent or of extent 1 in the source).
    let steps = target.indices.map { axis -> Int in
      let s = axis - pad
      return (s < 0 || source[s] == 1) ? 0 : sourceStrides[s]
    }
    return offsets(extents: target, steps: steps)
  }

  /// The flat indices of a tensor of `shape` visited in row-major order of its axes permuted by
  /// `order`: element i of the result is the offset of the i-th element of the transposed tensor.
  public static func transposedOffsets(shape: [Int], order: [Int]) -> [Int] {
    let shapeStrides = strides(shape)
    return offsets(extents: order.map { shape[$0] }, steps: order.map { shapeStrides[$0] })
  }

  /// Offsets visited by a row-major walk over `extents`, moving `steps[axis]` elements per step
  /// along each axis: the one odometer behind broadcasting and transposition.
  static func offsets(extents: [Int], steps: [Int]) -> [Int] {
    let count = elementCount(extents) ?? 0
    guard count > 0 else { return [] }
    var result = [Int]()
    result.reserveCapacity(count)
    var coordinate = Array(repeating: 0, count: extents.count)
    var offset = 0
    for _ in 0..<count {
      result.append(offset)
      var axis = extents.count - 1
      while axis >= 0 {
        coordinate[axis] += 1
        offset += steps[axis]
        if coordinate[axis] < extents[axis] { break }
        offset -= steps[axis] * coordinate[axis]
        coordinate[axis] = 0
        axis -= 1
      }
    }
    return result
  }

  /// Keras's `squeeze_or_expand_to_same_rank(x1, x2)`: when the ranks differ by exactly one and the
  /// longer shape ends in 1, the shorter one gains a trailing 1 if it has rank 1, otherwise the longer
  /// one loses its trailing 1. Any other pair is returned unchanged (left to broadcasting).
  public static func alignRanks(_ x1: [Int], _ x2: [Int]) -> ([Int], [Int]) {
    if x1.count == x2.count + 1, x1.last == 1 {
      return x2.count == 1 ? (x1, x2 + [1]) : (Array(x1.dropLast()), x2)
    }
    if x2.count == x1.count + 1, x2.last == 1 {
      return x1.count == 1 ? (x1 + [1], x2) : (x1, Array(x2.dropLast()))
    }
    return (x1, x2)
  }

  /// Resolves a possibly negative axis against a rank, or returns `nil` when it is out of range.
  public static func normalizedAxis(_ axis: Int, rank: Int) -> Int? {
    let resolved = axis < 0 ? axis + rank : axis
    return (0..<rank).contains(resolved) ? resolved : nil
  }
}
