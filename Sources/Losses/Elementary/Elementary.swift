//===--- Elementary.swift -------------------------------------------------===//
//
// Vectorised Float32 elementary functions for the loss kernels: the namespace,
// the bit-level helpers and the conventions every function in this folder
// follows.
//
//===----------------------------------------------------------------------===//

/// Vectorised Float32 elementary functions: `exp`, `log`, `log1p`, `softplus`,
/// `logSigmoid` and `sigmoid`, on `SIMD8<Float>` with a scalar `Float`
/// overload of each for loop tails.
///
/// Every function is branch-free (masks and `replacing(with:where:)`), uses
/// only Float32 arithmetic and 32-bit integer bit manipulation, and handles
/// the whole Float range: ±0, subnormal inputs and outputs, overflow,
/// underflow, ±∞ and NaN.
///
/// Conventions:
/// - **Same result in every lane and in the scalar overload.** The scalar
///   overload performs the same operations in the same order on the same
///   constants, so `f(x)[i] == f(x[i])` bit for bit (tested).
/// - **No fused multiply-add.** Products and sums are separate operations.
///   On the default baseline x86-64 (SSE2) target, FMA on SIMD types lowers
///   to one `fmaf` library call per lane; Swift does not contract `a * b + c`,
///   so results are also identical between a baseline build and a
///   `-target-cpu native` (AVX2+FMA) build.
/// - **`@inlinable`.** The kernels of this module call these in hot loops,
///   and so may other modules (`LossCheck`, benchmarks, users' kernels);
///   `@inlinable` lets a cross-module client specialise and inline them. Measured in release builds on this machine (a loop summing
///   `f` over 4096 in-cache floats, thread CPU time, best of 9): the
///   optimiser calls the body rather than inlining it either way, and a
///   non-`@inlinable` copy is as fast (exp 2.09 vs 2.02 ns/element baseline,
///   1.13 vs 1.11 native; softplus 6.50 vs 6.44 and 3.65 vs 3.72; log 4.0
///   vs 3.5 and 1.71 vs 1.72). So it does not matter today; it is kept so
///   a kernel can fuse a body into its loop, and costs nothing. The
///   internal cores (`_exp`, `_softplus`, `_logCore`, `_log1pCore`) are
///   `@inline(__always)`, so composite functions are one straight-line body.
/// - **Throughput**, ns per element of the SIMD8 overload over 4096 in-cache
///   floats (thread CPU time, best of 7, release; the 2-core machine was
///   shared with other builds, so read these as upper bounds and compare
///   with the scalar glibc column measured in the same run):
///
///   | function     | baseline (SSE2) | `-target-cpu native` | glibc scalar |
///   |--------------|-----------------|----------------------|--------------|
///   | `exp`        | 1.9             | 1.1                  | 3.6 (`expf`) |
///   | `log`        | 3.2             | 1.8                  | 3.9 (`logf`) |
///   | `log1p`      | 3.6             | 1.9                  | 10.3 (`log1pf`) |
///   | `softplus`   | 6.4             | 4.0                  |              |
///   | `logSigmoid` | 6.2             | 3.9                  |              |
///   | `sigmoid`    | 2.5             | 1.8                  |              |
///
///   Both builds give bit-identical results (checked over all 2³² inputs of
///   every function).
///
/// Accuracy: max error in ULPs of the exact result, measured exhaustively
/// over all 2³² Float inputs against Double glibc (`ElementaryAccuracy` in
/// the `losscheck` tool; 78 min wall, 31 CPU-min on this shared 2-core
/// machine); the bound is argued in each function's documentation:
///
/// | function     | bound | measured max | worst input            |
/// |--------------|-------|--------------|------------------------|
/// | `exp`        | < 1   | 0.8710       | 4.506428 (0x409034a8)  |
/// | `log`        | < 1   | 0.8683       | 0.7042024 (0x3f34469c) |
/// | `log1p`      | < 1   | 0.9743       | −0.29294053 (0xbe95fc4d) |
/// | `softplus`   | 2.5   | 1.7500       | −1.2647303 (0xbfa1e2af) |
/// | `logSigmoid` | 2.5   | 1.7500       | 1.2647303 (0x3fa1e2af) |
/// | `sigmoid`    | 3     | 2.4019       | −4.157294 (0xc085088d) |
///
/// exp, log and log1p are faithful (< 1 ulp) on every Float; special values
/// (±0, ±∞, NaN, overflow and underflow thresholds) are exact.
public enum Elementary {}

// MARK: - Bit-level helpers
//
// The underscored helpers and cores (`_bits`, `_float`, `_negativeAbs`,
// `_shifter`, `_shifterBits`, `_ln2Hi`, `_ln2Lo`, `_logCore`) are used by
// the kernels of this module (Kernels/Crossentropy+Elementary.swift and
// others): keep their names and meaning stable.

extension Elementary {
  /// The bits of each lane, as signed integers.
  @inlinable @inline(__always)
  static func _bits(_ x: SIMD8<Float>) -> SIMD8<Int32> {
    unsafeBitCast(x, to: SIMD8<Int32>.self)
  }

  /// The floats whose bits are the lanes of `bits`.
  @inlinable @inline(__always)
  static func _float(_ bits: SIMD8<Int32>) -> SIMD8<Float> {
    unsafeBitCast(bits, to: SIMD8<Float>.self)
  }

  /// The bits of `x`, as a signed integer.
  @inlinable @inline(__always)
  static func _bits(_ x: Float) -> Int32 {
    Int32(bitPattern: x.bitPattern)
  }

  /// The float whose bits are `bits`.
  @inlinable @inline(__always)
  static func _float(_ bits: Int32) -> Float {
    Float(bitPattern: UInt32(bitPattern: bits))
  }

  /// `−|x|` by setting the sign bit.
  @inlinable @inline(__always)
  static func _negativeAbs(_ x: SIMD8<Float>) -> SIMD8<Float> {
    _float(_bits(x) | Int32(bitPattern: 0x8000_0000))
  }

  /// `−|x|` by setting the sign bit.
  @inlinable @inline(__always)
  static func _negativeAbs(_ x: Float) -> Float {
    _float(_bits(x) | Int32(bitPattern: 0x8000_0000))
  }

  /// The round-to-integer "shifter" constant `1.5·2²³`. Adding it to a float
  /// `y` with `|y| < 2²²` rounds `y` to the nearest integer (ties to even)
  /// and leaves that integer in the low bits of the sum.
  @inlinable @inline(__always)
  static var _shifter: Float { 0x1.8p23 }

  /// The bits of `_shifter`.
  @inlinable @inline(__always)
  static var _shifterBits: Int32 { 0x4b40_0000 }

  /// `ln 2` split for Cody–Waite reduction: `_ln2Hi` has 15 significant bits,
  /// so `k · _ln2Hi` is exact for every integer `|k| < 2⁹`, and
  /// `|_ln2Hi + _ln2Lo − ln 2| < 2⁻⁴⁴`.
  @inlinable @inline(__always)
  static var _ln2Hi: Float { 0x1.62e4p-1 }

  /// The low part of `ln 2`; see `_ln2Hi`.
  @inlinable @inline(__always)
  static var _ln2Lo: Float { 0x1.7f7d1cp-20 }
}
