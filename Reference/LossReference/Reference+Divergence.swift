#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// Kullback–Leibler divergence and cosine similarity.
extension Reference {
  /// Σ over the last axis of y·log(y / p), both clipped to [eps, 1] (so a zero target contributes
  /// eps·log(eps / p), not 0). The log of the ratio is taken, as in Keras.
  static func klDivergence(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ constants: Constants) throws -> Unreduced {
    let operands = try Operands.broadcasting(yTrue, yPred)
    let terms = zip(operands.yTrue, operands.yPred).map { y, p -> Double in
      let yc = ReferenceMath.clip(y, constants.epsilon, 1)
      let pc = ReferenceMath.clip(p, constants.epsilon, 1)
      return yc * log(yc / pc)
    }
    return Unreduced(try operands.lanes(axis: -1).reduce(terms) { ReferenceMath.sum($0) })
  }

  /// −Σ over `axis` of ŷ·p̂, where each vector is divided by max(‖x‖, eps) (Keras's norm floor), so a
  /// zero vector gives 0.
  static func cosineSimilarity(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, axis: Int, _ constants: Constants
  ) throws -> Unreduced {
    let operands = try Operands.matching(yTrue, yPred)
    let lanes = try operands.lanes(axis: axis)
    let scalars = (0..<lanes.count).map { lane -> Double in
      let offsets = lanes.offsets(ofLane: lane)
      let y = offsets.map { operands.yTrue[$0] }
      let p = offsets.map { operands.yPred[$0] }
      let yNorm = ReferenceMath.maximum(norm(y), constants.epsilon)
      let pNorm = ReferenceMath.maximum(norm(p), constants.epsilon)
      return -ReferenceMath.sum(zip(y, p).map { ($0 / yNorm) * ($1 / pNorm) })
    }
    return Unreduced(try Tensor(shape: lanes.resultShape, scalars: scalars))
  }

  /// The Euclidean norm, scaled by the largest magnitude so the squares neither overflow nor underflow.
  private static func norm(_ x: [Double]) -> Double {
    let scale = x.reduce(0) { ReferenceMath.maximum($0, abs($1)) }
    guard scale.isFinite, scale > 0 else { return scale }
    return scale * sqrt(ReferenceMath.sum(x.map { ($0 / scale) * ($0 / scale) }))
  }
}
