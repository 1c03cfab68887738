/// Elementwise helpers with Keras's NaN semantics (`ops.maximum`/`ops.minimum`/`ops.clip` on JAX
/// return NaN when an input is NaN).
///
/// They are written with comparisons and `replacing(with:where:)`, which compile to SSE compares and
/// blends. `pointwiseMax`/`pointwiseMin` are avoided: their IEEE maxNum semantics lower to one
/// `fmaxf` call per lane on the baseline x86-64 target (measured here: 1.4 G elements/s for a hinge
/// term with `pointwiseMax` against 5.7 G with a compare and blend).
enum Elementwise {
  /// The larger of each pair of lanes; NaN where either is NaN.
  @inline(__always)
  static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: (a .< b) .| (b .!= b))
  }

  /// The smaller of each pair of lanes; NaN where either is NaN.
  @inline(__always)
  static func minimum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: (b .< a) .| (b .!= b))
  }

  /// Each lane clipped to [low, high]; NaN stays NaN (its comparisons are false).
  @inline(__always)
  static func clip(_ x: SIMD8<Float>, _ low: SIMD8<Float>, _ high: SIMD8<Float>) -> SIMD8<Float> {
    x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
  }

  /// |x| in each lane, by clearing the sign bit (NaN stays NaN).
  @inline(__always)
  static func abs(_ x: SIMD8<Float>) -> SIMD8<Float> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7fff_ffff, to: SIMD8<Float>.self)
  }
}
