import LossCore

/// `y_true` and `y_pred` after Keras's conversion and rank alignment, expanded to one shape.
struct Operands {
  /// The common shape.
  let shape: [Int]
  /// `y_true`'s scalars in `shape`.
  let yTrue: [Double]
  /// `y_pred`'s scalars in `shape`.
  let yPred: [Double]

  /// Aligns the ranks with `squeeze_or_expand_to_same_rank`, then broadcasts both to one shape.
  ///
  /// - Throws: `LossError.incompatibleShapes` when the shapes do not broadcast.
  static func broadcasting(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>) throws -> Operands {
    let (trueShape, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    guard let shape = Shape.broadcast(trueShape, predShape) else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: "the shapes neither match, nor differ by a trailing 1, nor broadcast")
    }
    let trueIndices = Shape.broadcastIndices(from: trueShape, to: shape)
    let predIndices = Shape.broadcastIndices(from: predShape, to: shape)
    return Operands(
      shape: shape,
      yTrue: trueIndices.map { yTrue.scalars[$0] },
      yPred: predIndices.map { yPred.scalars[$0] })
  }

  /// Aligns the ranks with `squeeze_or_expand_to_same_rank` and requires the shapes to be equal.
  ///
  /// - Throws: `LossError.incompatibleShapes` when they differ.
  static func matching(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>) throws -> Operands {
    let (trueShape, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    guard trueShape == predShape else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: "this loss needs equal shapes (up to a trailing 1)")
    }
    return Operands(shape: predShape, yTrue: yTrue.scalars, yPred: yPred.scalars)
  }

  /// The lanes along one axis (Keras's `axis`, negative from the end).
  ///
  /// - Throws: `LossError.invalidShape` naming `y_pred` when the tensor is a scalar, the axis is out
  ///   of range, or the axis is empty (a mean or a class axis over no elements is undefined).
  func lanes(axis: Int) throws -> Lanes {
    try lanes(axes: [axis])
  }

  /// The lanes along several axes; `nil` means all axes.
  func lanes(axes: [Int]?) throws -> Lanes {
    guard !shape.isEmpty else {
      throw LossError.invalidShape(argument: "y_pred", shape: shape, reason: "a scalar has no axis to reduce")
    }
    let requested = axes ?? Array(shape.indices)
    var resolved = [Int]()
    for axis in requested {
      guard let a = Shape.normalizedAxis(axis, rank: shape.count) else {
        throw LossError.invalidOption(
          name: "axis", value: "\(axis)", expected: "an axis in [\(-shape.count), \(shape.count)) for rank \(shape.count)")
      }
      guard !resolved.contains(a) else {
        throw LossError.invalidOption(name: "axis", value: "\(requested)", expected: "distinct axes")
      }
      resolved.append(a)
    }
    let lanes = Lanes(shape: shape, axes: resolved)
    guard lanes.length > 0 || lanes.count == 0 else {
      throw LossError.invalidShape(
        argument: "y_pred", shape: shape, reason: "the reduced axis is empty, so the loss is undefined")
    }
    return lanes
  }
}
