//===--- ElementaryAccuracy.swift -----------------------------------------===//
//
// Measures the error of Losses' vectorised Float32 elementary functions
// against Double libm, exhaustively over all 2³² inputs or on a dense sample.
//
//===----------------------------------------------------------------------===//

import Dispatch
import Losses

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Max-error measurement of the `Elementary` functions of `Losses`.
///
/// Each function's `SIMD8<Float>` overload runs on the inputs eight at a
/// time; each lane is compared with a Double evaluation (glibc's `exp`,
/// `log`, `log1p`, correctly rounded to within 2⁻⁵² relative, far below a
/// Float ulp) and, bit for bit, with the scalar `Float` overload.
///
/// Error in ULPs of the exact result: `|got − exact| / ulp`, where `ulp` is
/// the spacing of Floats in the binade of `exact` (`2^(e−23)` for
/// `|exact| ∈ [2^e, 2^(e+1))`, `2⁻¹⁴⁹` below `2⁻¹²⁶`; above the largest
/// Float the binades continue, and a `±∞` result counts as `±2¹²⁸` unless
/// the exact value also rounds to that infinity, which is an error of 0).
/// Special values are exact or infinitely wrong: a NaN where the exact value
/// is not NaN (or the reverse), or an infinity where it is finite, is `∞`.
enum ElementaryAccuracy {
  /// One function's result.
  struct Measurement: Sendable {
    /// The function's name, as in `Elementary`.
    var name: String
    /// The largest error seen, in ULPs of the exact result.
    var maxULP: Double
    /// An input at which `maxULP` occurs (the first one met).
    var worstInput: Float
    /// How many inputs were compared.
    var inputsChecked: Int
    /// Inputs where a lane of the SIMD8 overload differs from the scalar one.
    var scalarMismatches: Int
  }

  /// Measures every function.
  ///
  /// - Parameter exhaustive: All 2³² bit patterns (minutes, release build
  ///   only); otherwise every 97th bit pattern (≈ 44 million inputs).
  /// - Returns: One measurement per function, in a fixed order.
  static func measure(exhaustive: Bool) -> [Measurement] {
    let stride: UInt64 = exhaustive ? 1 : 97
    let count = (UInt64(1) << 32 + stride - 1) / stride
    return functions.map { function in
      measure(function, stride: stride, count: count)
    }
  }

  /// A function under test and its Double reference.
  struct Function: Sendable {
    var name: String
    var vector: @Sendable (SIMD8<Float>) -> SIMD8<Float>
    var scalar: @Sendable (Float) -> Float
    var exact: @Sendable (Double) -> Double
  }

  static let functions: [Function] = [
    Function(
      name: "exp", vector: { Elementary.exp($0) }, scalar: { Elementary.exp($0) },
      exact: { exp($0) }),
    Function(
      name: "log", vector: { Elementary.log($0) }, scalar: { Elementary.log($0) },
      exact: { log($0) }),
    Function(
      name: "log1p", vector: { Elementary.log1p($0) }, scalar: { Elementary.log1p($0) },
      exact: { log1p($0) }),
    Function(
      name: "softplus", vector: { Elementary.softplus($0) },
      scalar: { Elementary.softplus($0) }, exact: softplus),
    Function(
      name: "logSigmoid", vector: { Elementary.logSigmoid($0) },
      scalar: { Elementary.logSigmoid($0) }, exact: { -softplus(-$0) }),
    Function(
      name: "sigmoid", vector: { Elementary.sigmoid($0) },
      scalar: { Elementary.sigmoid($0) }, exact: sigmoid),
  ]

  /// `log(1 + eˣ)` in Double, the overflow-free way.
  static func softplus(_ x: Double) -> Double {
    if x.isNaN { return x }
    return Swift.max(x, 0) + log1p(exp(-Swift.abs(x)))
  }

  /// `1 / (1 + e⁻ˣ)` in Double, the overflow-free way.
  static func sigmoid(_ x: Double) -> Double {
    if x.isNaN { return x }
    let t = exp(-Swift.abs(x))
    return (x >= 0 ? 1 : t) / (1 + t)
  }

  /// The error of `got` in ULPs of `exact` (see the type's documentation).
  static func ulpError(_ got: Float, exact: Double) -> Double {
    if exact.isNaN || got.isNaN { return exact.isNaN && got.isNaN ? 0 : .infinity }
    if Float(exact).isInfinite {  // |exact| ≥ 2¹²⁸ − 2¹⁰³: rounds to ±∞
      if Double(got) == Double(Float(exact)) { return 0 }
      if exact.isInfinite || got.isInfinite { return .infinity }
    }
    let g = got.isInfinite ? (got > 0 ? 0x1p128 : -0x1p128) : Double(got)
    let magnitude = Swift.abs(exact)
    let ulp =
      magnitude < 0x1p-126
      ? 0x1p-149 : Double(sign: .plus, exponent: magnitude.exponent - 23, significand: 1)
    return Swift.abs(g - exact) / ulp
  }

  /// Measures one function on the bit patterns `i · stride`, `0 ≤ i < count`,
  /// split into chunks spread over the cores.
  static func measure(_ function: Function, stride: UInt64, count: UInt64) -> Measurement {
    let chunkSize: UInt64 = 1 << 20  // a multiple of 8
    let chunks = Int((count + chunkSize - 1) / chunkSize)
    let results = UnsafeMutableBufferPointer<Measurement>.allocate(capacity: chunks)
    defer { results.deallocate() }
    let base = UInt(bitPattern: results.baseAddress)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
      let start = UInt64(chunk) * chunkSize
      let end = Swift.min(start + chunkSize, count)
      let result = measureChunk(function, stride: stride, range: start..<end)
      UnsafeMutablePointer<Measurement>(bitPattern: base)!.advanced(by: chunk)
        .initialize(to: result)
    }
    var total = Measurement(
      name: function.name, maxULP: 0, worstInput: 0, inputsChecked: 0, scalarMismatches: 0)
    for result in results {
      if result.maxULP > total.maxULP {
        total.maxULP = result.maxULP
        total.worstInput = result.worstInput
      }
      total.inputsChecked += result.inputsChecked
      total.scalarMismatches += result.scalarMismatches
    }
    return total
  }

  /// Measures one function on the bit patterns `i · stride`, `i ∈ range`.
  static func measureChunk(
    _ function: Function, stride: UInt64, range: Range<UInt64>
  ) -> Measurement {
    var result = Measurement(
      name: function.name, maxULP: 0, worstInput: 0, inputsChecked: 0, scalarMismatches: 0)
    var i = range.lowerBound
    while i < range.upperBound {
      var x = SIMD8<Float>()
      let lanes = Int(Swift.min(8, range.upperBound - i))
      for lane in 0..<8 {
        let index = i + UInt64(Swift.min(lane, lanes - 1))
        x[lane] = Float(bitPattern: UInt32(truncatingIfNeeded: index &* stride))
      }
      let y = function.vector(x)
      for lane in 0..<lanes {
        let got = y[lane]
        let scalar = function.scalar(x[lane])
        if got.bitPattern != scalar.bitPattern && !(got.isNaN && scalar.isNaN) {
          result.scalarMismatches += 1
        }
        let error = ulpError(got, exact: function.exact(Double(x[lane])))
        if error > result.maxULP {
          result.maxULP = error
          result.worstInput = x[lane]
        }
      }
      result.inputsChecked += lanes
      i += UInt64(lanes)
    }
    return result
  }
}
