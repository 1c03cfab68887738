//===--- LogProduct.swift -------------------------------------------------===//
//
// A sum of logarithms taken as the logarithm of a product: one Double
// multiplication per element instead of one logarithm.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running sum of logarithms over eight lanes, each element contributing one Double operand.
protocol LogSumAccumulator {
  init()
  /// The operand that leaves the sum unchanged (for the unused lanes of a partial vector).
  static var identity: SIMD8<Double> { get }
  /// Adds one element's logarithm to each lane, given by its operand.
  mutating func add(_ operand: SIMD8<Double>)
  /// Keeps the lanes in range; due at least every `LogProduct.period` calls of `add`.
  mutating func renormalize()
  /// The sum over every lane, in Double.
  var logarithm: Double { get }
}

/// Σ log fᵢ over eight lanes, kept as the product Π fᵢ in Double with its binary exponent apart.
///
/// log a + log b = log(a·b): each lane multiplies its factors into a Double, and `renormalize()`
/// moves the product's exponent into an integer (product = 2ᵉ·m, m ∈ [1, 2)). At the end the
/// eight mantissas are multiplied together (< 2⁸) and one log taken, in Double:
/// Σ log fᵢ = log Πⱼ mⱼ + (Σⱼ eⱼ)·ln 2.
///
/// Factors must be positive and finite, in [2⁻²⁴, 1], and the product renormalized at least every
/// `period` multiplications: it then stays in [2⁻⁷⁶⁸, 2], normal.
///
/// Error. Each multiplication rounds once, by at most 2⁻⁵³ relative, which moves the logarithm by
/// at most 2⁻⁵³ absolute; so do the seven products of the mantissas, the final log and the product
/// (Σeⱼ)·ln 2 (its exponent sum is exact). With n factors the result is within (n + 10)·2⁻⁵³ of
/// Σ log fᵢ. Every
/// factor has |log fᵢ| ≥ 2⁻²⁴ (it is at most 1 − 2⁻²⁴, the largest Float below 1), so that is at
/// most (1 + 10/n)·2⁻²⁹ relative to Σ|log fᵢ|: negligible beside a Float result's 2⁻²⁴, where a
/// rounded Float log per element would cost up to a full ulp of the sum.
struct LogProduct: LogSumAccumulator {
  /// The most multiplications between two renormalizations.
  static var period: Int { 32 }

  static var identity: SIMD8<Double> { SIMD8(repeating: 1) }

  private var product = SIMD8<Double>(repeating: 1)
  private var exponent = SIMD8<Int64>()

  init() {}

  /// Multiplies each lane's product by its factor.
  @inline(__always)
  mutating func add(_ factor: SIMD8<Double>) {
    product *= factor
  }

  /// Moves the binary exponent of each lane's product into `exponent`, leaving m ∈ [1, 2).
  @inline(__always)
  mutating func renormalize() {
    let bits = unsafeBitCast(product, to: SIMD8<Int64>.self)
    exponent &+= (bits &>> 52) &- 1023
    product = unsafeBitCast((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000, to: SIMD8<Double>.self)
  }

  /// The lanes' mantissas (each in [1, 2) after a last renormalization) multiplied together,
  /// their exponents added: one log for the whole sum.
  var logarithm: Double {
    var lanes = self
    lanes.renormalize()
    var mantissa = 1.0
    var exponents: Int64 = 0
    for j in 0..<8 {
      mantissa *= lanes.product[j]
      exponents += lanes.exponent[j]
    }
    return log(mantissa) + Double(exponents) * CrossentropyMath.ln2
  }
}
