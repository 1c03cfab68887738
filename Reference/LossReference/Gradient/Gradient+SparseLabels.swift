#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Gradients of the losses with integer labels.
extension Reference {
  /// Categorical crossentropy's gradient with the one-hot target of each row's label. A row whose
  /// label is `ignoreClass` gets exactly 0: Keras replaces its predictions by 0 with `where`, so
  /// none of the gradient (not even the NaN of the 0/0 renormalisation) reaches y_pred.
  static func sparseCategoricalCrossentropyGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], fromLogits: Bool, ignoreClass: Int?,
    axis: Int, _ constants: Constants
  ) throws -> [Double] {
    let operands = Operands(shape: yPred.shape, yTrue: [], yPred: yPred.scalars)
    let lanes = try operands.lanes(axis: axis)
    let labels = try classLabels(yTrue, lanes: lanes, predShape: yPred.shape, axis: axis, ignoreClass: ignoreClass)
    var gradient = Array(repeating: 0.0, count: yPred.count)
    for lane in 0..<lanes.count {
      guard let label = labels[lane] else { continue }
      let offsets = lanes.offsets(ofLane: lane)
      let targets = offsets.indices.map { $0 == label ? 1.0 : 0.0 }
      let row = crossentropyRowGradient(
        targets: targets, row: offsets.map { yPred.scalars[$0] }, fromLogits: fromLogits, constants)
      for (j, o) in offsets.enumerated() { gradient[o] = upstream[lane] * row[j] }
    }
    return gradient
  }

  /// ∂/∂p (1 − p_t^q)/q = −p_t^(q−1) at the labelled class of each row, 0 elsewhere. Follows the
  /// forward pass's broadcasting of the one-hot labels against y_pred, summing over copies.
  static func categoricalGeneralizedCrossEntropyGradient(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ upstream: [Double], q: Double
  ) throws -> [Double] {
    // The forward pass has validated the labels and shapes.
    let classes = yPred.shape.last ?? 0
    let (trueShape, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    let oneHotShape = trueShape + [classes]
    guard let shape = Shape.broadcast(oneHotShape, predShape) else { return [] }
    let oneHot = yTrue.scalars.flatMap { label in (0..<classes).map { Double($0) == label ? 1.0 : 0.0 } }
    let oneHotIndices = Shape.broadcastIndices(from: oneHotShape, to: shape)
    let predIndices = Shape.broadcastIndices(from: predShape, to: shape)
    let lanes = Lanes(shape: shape, axes: [shape.count - 1])
    var terms = Array(repeating: [Double](), count: yPred.count)
    for lane in 0..<lanes.count {
      let offsets = lanes.offsets(ofLane: lane)
      let pt = ReferenceMath.sum(offsets.map { oneHot[oneHotIndices[$0]] * yPred.scalars[predIndices[$0]] })
      let outer = upstream[lane] * -JAXDerivative.power(pt, q) / q
      for k in offsets { terms[predIndices[k]].append(outer * oneHot[oneHotIndices[k]]) }
    }
    return terms.map { ReferenceMath.sum($0) }
  }
}
