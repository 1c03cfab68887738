#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

/// The derivatives of the elementary operations at their kinks, as JAX defines them.
///
/// JAX's `lax.max(x, y)` differentiates to 1 for the larger argument, 0 for the smaller, and ½ for
/// each when they are equal; `lax.min` likewise. `jnp.clip(x, low, high)` is
/// `minimum(maximum(x, low), high)`, so x gets ½ exactly at either bound. `sign` is 0 at 0, which is
/// the derivative JAX gives |x| there.
enum JAXDerivative {
  /// ∂ max(x, bound) / ∂x: 1 above the bound, ½ at it, 0 below; NaN for NaN.
  static func maximum(_ x: Double, _ bound: Double) -> Double {
    if x.isNaN || bound.isNaN { return .nan }
    return x > bound ? 1 : (x == bound ? 0.5 : 0)
  }

  /// ∂ min(x, bound) / ∂x: 1 below the bound, ½ at it, 0 above; NaN for NaN.
  static func minimum(_ x: Double, _ bound: Double) -> Double {
    if x.isNaN || bound.isNaN { return .nan }
    return x < bound ? 1 : (x == bound ? 0.5 : 0)
  }

  /// ∂ clip(x, low, high) / ∂x: 1 strictly inside, ½ at either bound, 0 outside (low < high).
  static func clip(_ x: Double, _ low: Double, _ high: Double) -> Double {
    maximum(x, low) * minimum(ReferenceMath.maximum(x, low), high)
  }

  /// sign(x): −1, 0 or 1 (NaN for NaN): the derivative of |x|, 0 at the kink.
  static func sign(_ x: Double) -> Double {
    if x.isNaN { return x }
    return x > 0 ? 1 : (x < 0 ? -1 : 0)
  }

  /// ∂ uᵞ / ∂u = γ·uᵞ⁻¹, literally: JAX's `lax.pow` rule special-cases γ = 0 only for integer
  /// exponents, and Keras passes a float γ, so at u = 0 with γ = 0 the derivative is 0·∞ = NaN (and
  /// +∞ for 0 < γ < 1). The conformance file leaves out exactly those cases (focal crossentropy with
  /// γ = 0 and a prediction equal to its 0/1 label) for their non-finite gradient.
  static func power(_ u: Double, _ gamma: Double) -> Double {
    gamma * pow(u, gamma - 1)
  }
}

/// `y_true` and `y_pred` as the forward pass aligns them (`Operands`), with the map from the common
/// shape back to `y_pred`'s elements.
struct GradientOperands {
  /// The operands in the common shape.
  let operands: Operands
  /// For each element of the common shape, the offset of the `y_pred` element it came from.
  let predIndices: [Int]
  /// The number of `y_pred` elements.
  let predCount: Int

  /// Rank alignment then broadcasting, as `Operands.broadcasting`.
  static func broadcasting(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>) throws -> GradientOperands {
    let operands = try Operands.broadcasting(yTrue, yPred)
    let (_, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    return GradientOperands(
      operands: operands, predIndices: Shape.broadcastIndices(from: predShape, to: operands.shape),
      predCount: yPred.count)
  }

  /// Rank alignment and equal shapes, as `Operands.matching`.
  static func matching(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>) throws -> GradientOperands {
    let operands = try Operands.matching(yTrue, yPred)
    return GradientOperands(operands: operands, predIndices: Array(0..<yPred.count), predCount: yPred.count)
  }

  /// The gradient over `y_pred`'s elements from one over the common shape: an element of `y_pred`
  /// that broadcasting copied receives the sum over its copies.
  func fold(_ gradient: [Double]) -> [Double] {
    if predIndices.count == predCount && predIndices.elementsEqual(0..<predCount) { return gradient }
    var terms = Array(repeating: [Double](), count: predCount)
    for (k, index) in predIndices.enumerated() { terms[index].append(gradient[k]) }
    return terms.map { ReferenceMath.sum($0) }
  }

  /// The gradient of Σ_lanes upstream·lane(values) for a loss reduced lane by lane over `axes`:
  /// `body` receives each lane's offsets (in the common shape) and writes the lane's derivative
  /// times its upstream factor.
  func laneGradient(
    axes: [Int]?, _ upstream: [Double],
    _ body: (_ offsets: [Int], _ upstream: Double, _ gradient: inout [Double]) -> Void
  ) throws -> [Double] {
    let lanes = try operands.lanes(axes: axes)
    var gradient = Array(repeating: 0.0, count: operands.yPred.count)
    for lane in 0..<lanes.count {
      body(lanes.offsets(ofLane: lane), upstream[lane], &gradient)
    }
    return fold(gradient)
  }

  /// The gradient of a mean over the last axis of `term(y, p)`: each element gets
  /// upstream / n · ∂term/∂p, with `derivative` giving ∂term/∂p.
  func meanOverLastAxisGradient(_ upstream: [Double], _ derivative: (Double, Double) -> Double) throws -> [Double] {
    try laneGradient(axes: [-1], upstream) { offsets, g, gradient in
      let scale = g / Double(offsets.count)
      for o in offsets { gradient[o] = scale * derivative(operands.yTrue[o], operands.yPred[o]) }
    }
  }
}
