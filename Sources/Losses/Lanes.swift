import LossCore

/// Two operands laid out as `count` contiguous lanes of `length` elements each, the reduced axis
/// innermost, ready for the SIMD loops.
///
/// When `y_true` and `y_pred` already have one shape and the reduced axis is the last, the caller's
/// buffers are used in place (no allocation). Broadcasting or another axis copies both into that
/// layout first.
struct Lanes {
  /// The shape of the per-sample result: the operands' shape less the reduced axis.
  let resultShape: [Int]
  /// The number of lanes (the element count of `resultShape`).
  let count: Int
  /// The number of elements in each lane.
  let length: Int

  /// Runs `body` on the two operands as contiguous lanes along `axis`.
  static func with<R>(
    _ yTrue: Operand, _ yPred: Operand, axis: Int, broadcast: Bool,
    _ body: (UnsafePointer<Float>, UnsafePointer<Float>, Lanes) throws -> R
  ) throws -> R {
    try with(yTrue, yPred, axes: [axis], broadcast: broadcast, body)
  }

  /// Runs `body` on the two operands as contiguous lanes along `axes` (`nil`: all axes), the
  /// reduced axes moved innermost in their order.
  ///
  /// - Parameter broadcast: whether shapes that differ (after Keras's rank alignment) may broadcast;
  ///   otherwise they must be equal.
  /// - Throws: `LossError.incompatibleShapes` for shapes that do not fit; `LossError.invalidShape`
  ///   for a scalar or an empty reduced axis; `LossError.invalidOption` for an axis out of range.
  static func with<R>(
    _ yTrue: Operand, _ yPred: Operand, axes: [Int]?, broadcast: Bool,
    _ body: (UnsafePointer<Float>, UnsafePointer<Float>, Lanes) throws -> R
  ) throws -> R {
    let (trueShape, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    let shape: [Int]
    if trueShape == predShape {
      shape = predShape
    } else if broadcast, let common = Shape.broadcast(trueShape, predShape) {
      shape = common
    } else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: broadcast
          ? "the shapes neither match, nor differ by a trailing 1, nor broadcast"
          : "this loss needs equal shapes (up to a trailing 1)")
    }
    guard !shape.isEmpty else {
      throw LossError.invalidShape(argument: "y_pred", shape: shape, reason: "a scalar has no axis to reduce")
    }
    var reduced = [Int]()
    for axis in axes ?? Array(shape.indices) {
      guard let resolved = Shape.normalizedAxis(axis, rank: shape.count), !reduced.contains(resolved) else {
        throw LossError.invalidOption(
          name: "axis", value: "\(axes.map { "\($0)" } ?? "nil")",
          expected: "distinct axes in [\(-shape.count), \(shape.count)) for rank \(shape.count)")
      }
      reduced.append(resolved)
    }
    let kept = shape.indices.filter { !reduced.contains($0) }
    let resultShape = kept.map { shape[$0] }
    let length = reduced.reduce(1) { $0 * shape[$1] }
    let count = resultShape.reduce(1, *)
    guard length > 0 || count == 0 else {
      throw LossError.invalidShape(argument: "y_pred", shape: shape, reason: "the reduced axis is empty, so the loss is undefined")
    }
    let lanes = Lanes(resultShape: resultShape, count: count, length: length)
    let order = kept + reduced
    if trueShape == predShape && order == Array(shape.indices) {
      return try body(yTrue.base, yPred.base, lanes)
    }
    let permutation = Shape.transposedOffsets(shape: shape, order: order)
    let yIndices = Shape.broadcastIndices(from: trueShape, to: shape)
    let pIndices = Shape.broadcastIndices(from: predShape, to: shape)
    let y = permutation.map { yTrue.scalars[yIndices[$0]] }
    let p = permutation.map { yPred.scalars[pIndices[$0]] }
    return try y.withUnsafeBufferPointer { y in
      try p.withUnsafeBufferPointer { p in
        try body(y.baseAddress ?? yTrue.base, p.baseAddress ?? yPred.base, lanes)
      }
    }
  }
}
