#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// The losses that take integer class indices: sparse categorical and generalized crossentropy.
extension Reference {
  /// −log o_t for the labelled class t of each row (o as in categorical crossentropy), with entries
  /// labelled `ignoreClass` set to 0 and masked out of the reduction.
  ///
  /// `y_true` holds class indices with `y_pred`'s shape less `axis` (a trailing 1 on that axis is
  /// squeezed, as in Keras).
  ///
  /// - Throws: `LossError.invalidValue` naming `y_true` for a label that is not an integer in [0, C)
  ///   and not `ignoreClass` (JAX would silently return 0 for it).
  static func sparseCategoricalCrossentropy(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, fromLogits: Bool, ignoreClass: Int?, axis: Int,
    _ constants: Constants
  ) throws -> Unreduced {
    let operands = Operands(shape: yPred.shape, yTrue: [], yPred: yPred.scalars)
    let lanes = try operands.lanes(axis: axis)
    let labels = try classLabels(yTrue, lanes: lanes, predShape: yPred.shape, axis: axis, ignoreClass: ignoreClass)
    var mask: [Bool]? = nil
    if let ignoreClass {
      mask = yTrue.scalars.map { $0 != Double(ignoreClass) }
    }
    let scalars = (0..<lanes.count).map { lane -> Double in
      guard let label = labels[lane] else { return 0 }
      let row = lanes.offsets(ofLane: lane).map { yPred.scalars[$0] }
      let logProbabilities = logProbabilities(row, fromLogits: fromLogits, constants)
      // −Σ one_hot·log o, as Keras writes it: a non-finite log elsewhere in the row still poisons it.
      return -ReferenceMath.sum(logProbabilities.indices.map { $0 == label ? logProbabilities[$0] : 0 * logProbabilities[$0] })
    }
    return Unreduced(try Tensor(shape: lanes.resultShape, scalars: scalars), mask: mask)
  }

  /// (1 − p_t^q) / q, with p_t = Σ over the last axis of p·one_hot(y, C) (no clipping).
  ///
  /// Follows Keras literally: the labels are rank-aligned with `y_pred` first (Keras's wrapper), then
  /// one-hot encoded to `y.shape + [C]` and multiplied with `y_pred` under broadcasting. For the usual
  /// (B,) labels and (B, C) predictions this picks p[b, y_b]; with a single class (C = 1) the labels
  /// become (B, 1) and the product broadcasts to (B, B, 1), as Keras computes it.
  ///
  /// - Throws: `LossError.invalidValue` naming `y_true` for a label that is not an integer in [0, C);
  ///   `LossError.incompatibleShapes` when the one-hot labels do not broadcast against `y_pred`.
  static func categoricalGeneralizedCrossEntropy(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, q: Double
  ) throws -> Unreduced {
    guard let classes = yPred.shape.last, classes > 0 else {
      throw LossError.invalidShape(argument: "y_pred", shape: yPred.shape, reason: "needs a non-empty class axis")
    }
    let (trueShape, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    let oneHotShape = trueShape + [classes]
    guard let shape = Shape.broadcast(oneHotShape, predShape) else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: "class labels need y_pred's shape without the last axis")
    }
    for (index, value) in yTrue.scalars.enumerated()
    where !(value.isFinite && value.rounded() == value && value >= 0 && value < Double(classes)) {
      throw LossError.invalidValue(
        argument: "y_true", index: index, value: value, reason: "a class label must be an integer in [0, \(classes))")
    }
    let oneHot = yTrue.scalars.flatMap { label in (0..<classes).map { Double($0) == label ? 1.0 : 0.0 } }
    let oneHotIndices = Shape.broadcastIndices(from: oneHotShape, to: shape)
    let predIndices = Shape.broadcastIndices(from: predShape, to: shape)
    let products = zip(oneHotIndices, predIndices).map { oneHot[$0] * yPred.scalars[$1] }
    let lanes = Lanes(shape: shape, axes: [shape.count - 1])
    return Unreduced(lanes.reduce(products) { row in (1 - pow(ReferenceMath.sum(row), q)) / q })
  }

  /// The class index of each lane of `y_pred` from `y_true`, or `nil` for an ignored entry.
  ///
  /// - Throws: `LossError.incompatibleShapes` when `y_true`'s shape is not `y_pred`'s shape less the
  ///   class axis (a trailing 1 on that axis is accepted); `LossError.invalidValue` for a label that
  ///   is not an integer in [0, C).
  static func classLabels(
    _ yTrue: Tensor<Double>, lanes: Lanes, predShape: [Int], axis: Int, ignoreClass: Int?
  ) throws -> [Int?] {
    var trueShape = yTrue.shape
    if trueShape.count == predShape.count, let a = Shape.normalizedAxis(axis, rank: trueShape.count),
      trueShape[a] == 1
    {
      trueShape.remove(at: a)
    }
    guard trueShape == lanes.resultShape else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: predShape,
        reason: "class labels need y_pred's shape without the class axis")
    }
    let classes = lanes.length
    return try yTrue.scalars.enumerated().map { index, value -> Int? in
      if let ignoreClass, value == Double(ignoreClass) { return nil }
      guard value.isFinite, value.rounded() == value, value >= 0, value < Double(classes) else {
        throw LossError.invalidValue(
          argument: "y_true", index: index, value: value,
          reason: "a class label must be an integer in [0, \(classes))"
            + (ignoreClass.map { " or the ignore_class \($0)" } ?? ""))
      }
      return Int(value)
    }
  }
}
