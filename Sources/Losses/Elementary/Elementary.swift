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
/// - **`@inlinable`.** The kernels call these from another module inside hot
///   loops; without `@inlinable` every call is an opaque cross-module call
///   that passes the vectors through memory. Measured in a release build on
///   this machine (`exp` over 2²⁰ elements): see `Elementary+Exp.swift`.
///
/// Accuracy (max error in ULPs of the exact result, measured exhaustively
/// over all 2³² inputs against Double libm; the analysis is in each
/// function's documentation):
///
/// | function     | bound | measured |
/// |--------------|-------|----------|
/// | `exp`        | < 1   | see `exp(_:)`   |
/// | `log`        | < 1   | see `log(_:)`   |
/// | `log1p`      | < 1   | see `log1p(_:)` |
/// | `softplus`   | < 2.5 | see `softplus(_:)` |
/// | `logSigmoid` | < 2.5 | see `logSigmoid(_:)` |
/// | `sigmoid`    | < 2.5 | see `sigmoid(_:)` |
public enum Elementary {}

// MARK: - Bit-level helpers

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
