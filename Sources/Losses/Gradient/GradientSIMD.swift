/// SIMD8 helpers of the gradient kernels: loads and stores with tails, the elementwise map, and
/// JAX's derivatives at kinks written as compares and blends (never `pointwiseMax/Min`).
enum GradientSIMD {
  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>, _ offset: Int) -> SIMD8<Float> {
    UnsafeRawPointer(pointer + offset).loadUnaligned(as: SIMD8<Float>.self)
  }

  @inline(__always)
  static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ offset: Int) {
    UnsafeMutableRawPointer(pointer + offset).storeBytes(of: value, as: SIMD8<Float>.self)
  }

  /// The `count` (< 8) Floats at `pointer + offset`, the other lanes `padding`.
  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>, _ offset: Int, count: Int, padding: Float) -> SIMD8<Float> {
    var v = SIMD8<Float>(repeating: padding)
    for k in 0..<count { v[k] = pointer[offset + k] }
    return v
  }

  /// Stores the first `count` (< 8) lanes.
  @inline(__always)
  static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ offset: Int, count: Int) {
    for k in 0..<count { pointer[offset + k] = value[k] }
  }

  /// The lanes below `count` (a tail's live lanes).
  @inline(__always)
  static func live(_ count: Int) -> SIMDMask<SIMD8<Int32>> {
    SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int32>(repeating: Int32(count))
  }

  /// out[i] = f(y[i], p[i]) for i in 0..<count; the tail is padded with `padding`.
  @inline(__always)
  static func map(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int,
    padding: Float = 0.5, _ f: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>
  ) {
    var i = 0
    while i + 16 <= count {
      let a = f(load(y, i), load(p, i))
      let b = f(load(y, i + 8), load(p, i + 8))
      store(a, out, i)
      store(b, out, i + 8)
      i += 16
    }
    if i + 8 <= count {
      store(f(load(y, i), load(p, i)), out, i)
      i += 8
    }
    if i < count {
      let rest = count - i
      store(f(load(y, i, count: rest, padding: padding), load(p, i, count: rest, padding: padding)), out, i, count: rest)
    }
  }

  /// ∂ max(x, bound)/∂x as JAX defines it: 1 above, ½ at the bound, 0 below, NaN for NaN.
  @inline(__always)
  static func maximumSlope(_ x: SIMD8<Float>, _ bound: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8<Float>()
      .replacing(with: 0.5, where: x .== bound)
      .replacing(with: 1, where: x .> bound)
      .replacing(with: x, where: x .!= x)
  }

  /// ∂ clip(x, low, high)/∂x for jnp.clip = minimum(maximum(x, low), high): 1 strictly inside,
  /// ½ at either bound, 0 outside, NaN for NaN (low < high).
  @inline(__always)
  static func clipSlope(_ x: SIMD8<Float>, _ low: SIMD8<Float>, _ high: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8<Float>()
      .replacing(with: 0.5, where: (x .== low) .| (x .== high))
      .replacing(with: 1, where: (x .> low) .& (x .< high))
      .replacing(with: x, where: x .!= x)
  }

  /// sign(x) times `magnitude`: ±magnitude, 0 at ±0, NaN for NaN.
  @inline(__always)
  static func signed(_ x: SIMD8<Float>, _ magnitude: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8<Float>()
      .replacing(with: magnitude, where: x .> 0)
      .replacing(with: -magnitude, where: x .< 0)
      .replacing(with: x, where: x .!= x)
  }
}

/// A per-sample sink that drops the values: the gradient-only runs of the fused kernels.
struct DiscardingSink: PerSampleSink {
  @inline(__always)
  mutating func append(_ value: Double) {}
}
