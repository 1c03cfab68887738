/// Elementwise helpers with Keras's NaN semantics (`ops.maximum`/`ops.minimum`/`ops.clip` on JAX
/// return NaN when an input is NaN; `pointwiseMax` would return the other operand).
enum Elementwise {
  /// The larger of each pair of lanes; NaN where either is NaN.
  @inline(__always)
  static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    keepingNaN(of: a, b, in: pointwiseMax(a, b))
  }

  /// The smaller of each pair of lanes; NaN where either is NaN.
  @inline(__always)
  static func minimum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    keepingNaN(of: a, b, in: pointwiseMin(a, b))
  }

  /// Each lane clipped to [low, high]; NaN stays NaN.
  @inline(__always)
  static func clip(_ x: SIMD8<Float>, _ low: SIMD8<Float>, _ high: SIMD8<Float>) -> SIMD8<Float> {
    pointwiseMin(pointwiseMax(x, low), high).replacing(with: x, where: x .!= x)
  }

  /// |x| in each lane, by clearing the sign bit (NaN stays NaN).
  @inline(__always)
  static func abs(_ x: SIMD8<Float>) -> SIMD8<Float> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7fff_ffff, to: SIMD8<Float>.self)
  }

  /// `result` with NaN wherever `a` or `b` is NaN.
  @inline(__always)
  static func keepingNaN(of a: SIMD8<Float>, _ b: SIMD8<Float>, in result: SIMD8<Float>) -> SIMD8<Float> {
    result.replacing(with: a, where: a .!= a).replacing(with: b, where: b .!= b)
  }
}
