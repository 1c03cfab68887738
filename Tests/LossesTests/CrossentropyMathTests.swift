//===--- CrossentropyMathTests.swift --------------------------------------===//
//
// The crossentropy kernels' private exponentials against glibc's Double exp,
// on dense samples of their domains.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _LossesAVX2
@testable import Losses
import Testing

@Suite("The crossentropy kernels' exponentials meet their documented bounds")
struct CrossentropyMathTests {
  /// Every `stride`-th Float from `low` down to `high` (both ≤ 0, by bit pattern), eight at a time.
  private func sweep(from high: Float, to low: Float, stride: UInt32, _ body: (SIMD8<Float>) -> Void) {
    var bits = high.bitPattern
    while bits <= low.bitPattern {
      var v = SIMD8<Float>()
      for k in 0..<8 { v[k] = Float(bitPattern: Swift.min(bits &+ UInt32(k) &* stride, low.bitPattern)) }
      body(v)
      bits &+= 8 &* stride
    }
  }

  /// expWide on [−86, 0]: within 0.4u relative (u = 2⁻²⁴); 0.355u over every Float there.
  @Test func expWideIsWithinItsBound() {
    var worst = 0.0
    sweep(from: -0.0, to: -86, stride: 1021) { v in
      let got = CrossentropyMath.expWide(v)
      for k in 0..<8 {
        let exact = exp(Double(v[k]))
        worst = Swift.max(worst, abs(got[k] - exact) / exact * 0x1p24)
      }
    }
    #expect(worst <= 0.4, "\(worst)u")
    #expect(worst > 0.2, "the sample should reach near the measured 0.355u: \(worst)u")
  }

  /// expShifted for rows with maxima across the shift's two regimes: within 1 ulp of the exact
  /// e^(x − c − K·ln 2) on [m − 87, m]; so is the AVX2 loops' form of it
  /// (`losses_avx2_shifted_exp`), on the same sample, where this machine runs it.
  @Test(arguments: [Float(0), 7.5, -30, 100, 173.9, 174, 250, -300])
  func expShiftedIsFaithful(_ m: Float) {
    let shift = LogitShift(max: m)
    var worst = 0.0
    var worstAVX2 = 0.0
    var x = m
    let step = Swift.max(Float(87) / 200_000, m.ulp)
    while x >= m - 87 {
      let v = SIMD8<Float>((0..<8).map { x - Float($0) * step })
      let got = CrossentropyMath.expShifted(v, shift)
      for k in 0..<8 where v[k] - shift.offset >= shift.floor {  // below, the input is clamped
        let exact = exp(Double(v[k]) - shift.total)
        let ulp = Double(Float(exact).ulp)
        worst = Swift.max(worst, abs(Double(got[k]) - exact) / ulp)
        #if arch(x86_64)
        if hasAVX2 {
          let avx2 = losses_avx2_shifted_exp(v[k], shift.offset, shift.floor, shift.bias)
          worstAVX2 = Swift.max(worstAVX2, abs(Double(avx2) - exact) / ulp)
        }
        #endif
      }
      x -= 8 * step
    }
    #expect(worst < 1, "m = \(m): \(worst) ulp")
    #expect(worst > 0.3, "the sample should reach the rounding of the result: \(worst) ulp")
    #expect(worstAVX2 < 1, "m = \(m), AVX2: \(worstAVX2) ulp")
    #expect(!hasAVX2 || worstAVX2 > 0.3, "the sample should reach the rounding of the result: \(worstAVX2) ulp")
  }
}

/// Whether this machine runs the AVX2 loops.
private let hasAVX2: Bool = {
  #if arch(x86_64)
  losses_avx2_fma_available() != 0
  #else
  false
  #endif
}()
