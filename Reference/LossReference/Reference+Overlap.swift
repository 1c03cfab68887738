import LossCore

// The overlap losses of segmentation: dice and tversky.
extension Reference {
  /// 1 − 2·Σ y·p / (Σ y + Σ p + eps) over `axis` (all axes when `nil`, giving a scalar).
  static func dice(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, axis: [Int]?, _ constants: Constants
  ) throws -> Unreduced {
    let operands = try Operands.matching(yTrue, yPred)
    let lanes = try operands.lanes(axes: axis)
    let scalars = (0..<lanes.count).map { lane -> Double in
      let offsets = lanes.offsets(ofLane: lane)
      let intersection = ReferenceMath.sum(offsets.map { operands.yTrue[$0] * operands.yPred[$0] })
      let union = ReferenceMath.sum(offsets.map { operands.yTrue[$0] })
        + ReferenceMath.sum(offsets.map { operands.yPred[$0] })
      return 1 - 2 * intersection / (union + constants.epsilon)
    }
    return Unreduced(try Tensor(shape: lanes.resultShape, scalars: scalars))
  }

  /// 1 − TP / (TP + α·FP + β·FN + eps) over `axis` (all axes when `nil`), with TP = Σ y·p,
  /// FP = Σ (1 − y)·p and FN = Σ y·(1 − p): α weighs false positives, β false negatives, as
  /// documented (Keras 3.15.1 swaps them; the conformance vectors follow the documentation).
  static func tversky(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, alpha: Double, beta: Double, axis: [Int]?,
    _ constants: Constants
  ) throws -> Unreduced {
    let operands = try Operands.matching(yTrue, yPred)
    let lanes = try operands.lanes(axes: axis)
    let scalars = (0..<lanes.count).map { lane -> Double in
      let offsets = lanes.offsets(ofLane: lane)
      let y = offsets.map { operands.yTrue[$0] }
      let p = offsets.map { operands.yPred[$0] }
      let truePositives = ReferenceMath.sum(zip(y, p).map(*))
      let falsePositives = ReferenceMath.sum(zip(y, p).map { (1 - $0) * $1 })
      let falseNegatives = ReferenceMath.sum(zip(y, p).map { $0 * (1 - $1) })
      return 1 - truePositives / (truePositives + alpha * falsePositives + beta * falseNegatives + constants.epsilon)
    }
    return Unreduced(try Tensor(shape: lanes.resultShape, scalars: scalars))
  }
}
