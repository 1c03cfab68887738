//===--- Log1pProduct.swift -----------------------------------------------===//
//
// Σ log(1 + vᵢ) as log(1 + D), D = Π(1 + vᵢ) − 1 carried directly, so that
// tiny vᵢ keep their relative precision.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Σ log(1 + vᵢ) over eight lanes, for vᵢ ∈ [0, 1]: each lane carries D = Π(1 + vᵢ) − 1 in Double,
/// updated as D ← D + v·(1 + D); the lanes are folded the same way and one `log1p` ends the sum.
///
/// A product of the factors 1 + vᵢ themselves (`LogProduct`) would round each step by 2⁻⁵³
/// relative to the product, the whole of a term log(1 + v) ≈ v once v is below 2⁻⁵³, and 2⁻²⁹ of it
/// at v = 2⁻²⁴. Carrying D instead, the step's roundings are relative to v·(1 + D) and to D:
/// fl(1 + D) and the product v·(1 + D) each move log(1 + D′) by at most 2⁻⁵³·v (≤ 1.5·2⁻⁵³ of the
/// term, as log(1 + v) ≥ v·ln 2 on [0, 1]); the sum D + w by at most 2⁻⁵³·min(D′, 1), which is at most 1.5·2⁻⁵³
/// of log(1 + D′) itself. Over a lane of n steps and the eight lanes' fold the result is within about 1.5·(2n + 17)·2⁻⁵³
/// relative of Σ log(1 + vᵢ) (n = 128 for rows of 1024: 2⁻⁴⁴), plus the errors of the vᵢ.
///
/// 1 + D at most doubles per step; `renormalize()` moves the binary exponent of lanes whose 1 + D
/// passed 2⁶⁴ into an integer (there log(1 + D) > 44, and the rounding of 1 + D is 2⁻⁵³ of it).
struct Log1pProduct: LogSumAccumulator {
  static var identity: SIMD8<Double> { SIMD8() }

  private var excess = SIMD8<Double>()
  private var exponent: Int64 = 0

  init() {}

  /// D ← D + v·(1 + D) in each lane: 1 + D ← (1 + D)·(1 + v).
  @inline(__always)
  mutating func add(_ v: SIMD8<Double>) {
    excess += v * (1 + excess)
  }

  mutating func renormalize() {
    for j in 0..<8 where excess[j] > 0x1p64 {
      let whole = (1 + excess[j]).bitPattern
      exponent += Int64(whole >> 52) - 1023
      excess[j] = Double(bitPattern: (whole & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000) - 1
    }
  }

  /// The lanes folded together as a ninth lane would add them (D ← D + Dⱼ·(1 + D): the
  /// products of the 1 + Dⱼ, each below 2⁶⁵, stay below 2⁵²⁰), then one `log1p`.
  var logarithm: Double {
    var total = 0.0
    for j in 0..<8 { total += excess[j] * (1 + total) }
    return log1p(total) + Double(exponent) * CrossentropyMath.ln2
  }
}
