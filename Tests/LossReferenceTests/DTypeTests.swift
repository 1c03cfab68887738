// float32 versus float64 evaluation: Keras's constants in each dtype, and the rounding of inputs,
// options and sample weights to Float in float32 mode (keras-losses.md §1, §11).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import Testing

@testable import LossReference

private let ln2 = log(2.0)

@Suite("DType constants and rounding")
struct DTypeTests {
  /// float32(1e-7) = 1.0000000116860974e-07 (bits 0x33D6BF95); 1 − 1e-7 rounds to 1 − 2⁻²³ in float32.
  @Test func float32Constants() {
    #expect(DType.float32.epsilon == 1.0000000116860974e-07)
    #expect(Float(DType.float32.epsilon).bitPattern == 0x33D6_BF95)
    #expect(DType.float32.oneMinusEpsilon == 1 - 0x1p-23)
    #expect(DType.float32.oneMinusEpsilon == 0.99999988079071045)
  }

  /// float64 keeps 1e-7 and 1 − 1e-7 = 0.9999999; 1 − (1 − 1e-7) = 9.999999994736442e-08 exactly.
  @Test func float64Constants() {
    #expect(DType.float64.epsilon == 1e-7)
    #expect(DType.float64.oneMinusEpsilon == 0.9999999)
    #expect(1 - DType.float64.oneMinusEpsilon == 9.999999994736442e-08)
  }

  /// BCE's clipped extremes. float32: (y=1, p=0) → −log Float(1e-7); (y=0, p=1) → −log(2⁻²³) =
  /// 23·ln 2 = 15.942385 — asymmetric. float64: −log(1e-7) and −log(9.999999994736442e-08), both
  /// ≈ 16.1180957 (keras-losses.md §1).
  @Test func bceLimitsPerDType() throws {
    let one = try matrix([[1]])
    let zero = try matrix([[0]])
    let eps32 = Double(Float(1e-7))
    expectClose(try evaluateScalar(.binaryCrossentropy(), one, zero, as: .float32), -log(eps32), relative: 1e-15)
    expectClose(try evaluateScalar(.binaryCrossentropy(), zero, one, as: .float32), 23 * ln2, relative: 1e-15)
    let high64 = try evaluateScalar(.binaryCrossentropy(), one, zero, as: .float64)
    let low64 = try evaluateScalar(.binaryCrossentropy(), zero, one, as: .float64)
    expectClose(high64, -log(1e-7), relative: 1e-15)
    expectClose(low64, -log(9.999999994736442e-08), relative: 1e-15)
    // Both ≈ 16.1180957 (Keras/torch float64, 8 digits).
    expectClose(high64, 16.1180957, relative: 1e-8)
    expectClose(low64, 16.1180957, relative: 1e-8)
    // And the float32 ones are Keras's printed float32 values.
    expectClose(try evaluateScalar(.binaryCrossentropy(), zero, one, as: .float32), 15.942385, relative: 1e-7)
  }

  /// (y=1, p=1): −log(1 − eps) with the dtype's constant: −log(1 − 2⁻²³) = 1.1920929e-07 in float32,
  /// −log(0.9999999) = 1.00000005e-07 in float64.
  ///
  /// (y=0, p=0): the clipped p = eps enters log(1 − p). The reference evaluates the float32 formula in
  /// Double, giving −log1p(−Float(1e-7)) = 1.0000000617e-07. Keras's float32 prints 1.1920929e-07
  /// because it rounds 1 − 1.0000000117e-07 to 1 − 2⁻²³ first (torch's log1p gives 1.0000000827e-07);
  /// that is Keras's float32 rounding, not its formula, and the reference is documented not to emulate it.
  @Test func bceAtTheSaturatedCorrectSide() throws {
    let one = try matrix([[1]])
    let zero = try matrix([[0]])
    expectClose(try evaluateScalar(.binaryCrossentropy(), one, one, as: .float32), -log1p(-0x1p-23), relative: 1e-15)
    expectClose(try evaluateScalar(.binaryCrossentropy(), one, one, as: .float32), 1.1920929e-07, relative: 1e-7)
    expectClose(try evaluateScalar(.binaryCrossentropy(), one, one, as: .float64), -log(0.9999999), relative: 1e-9)
    expectClose(
      try evaluateScalar(.binaryCrossentropy(), zero, zero, as: .float32), -log1p(-Double(Float(1e-7))), relative: 1e-15)
  }

  /// CCE and KLD clip with the dtype's eps too: CCE([0,1,0], [1,0,0]) = −log eps.
  @Test func categoricalClipPerDType() throws {
    let y = try matrix([[0, 1, 0]])
    let p = try matrix([[1, 0, 0]])
    expectClose(try evaluateScalar(.categoricalCrossentropy(), y, p, as: .float32), -log(Double(Float(1e-7))), relative: 1e-15)
    expectClose(try evaluateScalar(.categoricalCrossentropy(), y, p, as: .float64), -log(1e-7), relative: 1e-15)
  }

  /// MSLE's eps is a float32 tensor in every dtype: (y = 1, p = −5) gives the same
  /// (log1p(Float(1e-7)) − ln 2)² in both modes.
  @Test func msleUsesTheFloat32EpsilonInBothModes() throws {
    let eps32 = Double(Float(1e-7))
    let expected = (log1p(eps32) - ln2) * (log1p(eps32) - ln2)
    for dtype in DType.allCases {
      expectClose(
        try evaluateScalar(.meanSquaredLogarithmicError, try matrix([[1]]), try matrix([[-5]]), as: dtype),
        expected, relative: 1e-14)
    }
  }

  /// log_cosh(0) = log1p(1) − ln 2 with the dtype's ln 2: exactly 0 in float64 (the project's
  /// decision, matching Keras's float64 vectors), and ln 2 − Double(Float(ln 2)) = −1.9046543e-09 in
  /// float32 mode (the value keras-losses.md §1 reports for the float32-rounded constant).
  @Test func logCoshOfZeroPerDType() throws {
    let zero = try matrix([[0]])
    #expect(try evaluateScalar(.logCosh, zero, zero, as: .float64) == 0)
    let float32 = try evaluateScalar(.logCosh, zero, zero, as: .float32)
    expectClose(float32, ln2 - Double(Float(ln2)), relative: 1e-9)
    expectClose(float32, -1.9046542e-09, relative: 1e-7)
  }

  /// Inputs are rounded to Float: MSE(0, 0.1) is Float(0.1)² in float32, 0.1² in float64.
  @Test func inputsAreRoundedToFloat() throws {
    let p32 = Double(Float(0.1))
    #expect(try evaluateScalar(.meanSquaredError, try matrix([[0]]), try matrix([[0.1]]), as: .float32) == p32 * p32)
    #expect(try evaluateScalar(.meanSquaredError, try matrix([[0]]), try matrix([[0.1]]), as: .float64) == 0.1 * 0.1)
  }

  /// Options are rounded to Float: Huber δ = 0.1 at |e| = 1 is δ·1 − ½δ² with δ = Float(0.1) in
  /// float32 (1.0000000149e-1 − 5.0000001490e-3), with δ = 0.1 in float64; the two differ.
  @Test func huberDeltaIsRoundedToFloat() throws {
    let d32 = Double(Float(0.1))
    let f32 = try evaluateScalar(.huber(delta: 0.1), try matrix([[0]]), try matrix([[1]]), as: .float32)
    let f64 = try evaluateScalar(.huber(delta: 0.1), try matrix([[0]]), try matrix([[1]]), as: .float64)
    expectClose(f32, d32 - 0.5 * d32 * d32, relative: 1e-15)
    expectClose(f64, 0.1 - 0.5 * 0.01, relative: 1e-15)
    #expect(abs(f32 - f64) > 1e-9)
  }

  /// label_smoothing 0.1 in float32: t = 1·(1 − ls) + ½·ls with ls = Float(0.1); p = 0.25 (exact).
  @Test func labelSmoothingIsRoundedToFloat() throws {
    for (dtype, ls) in [(DType.float32, Double(Float(0.1))), (.float64, 0.1)] {
      let t = (1 - ls) + 0.5 * ls
      let value = try evaluateScalar(.binaryCrossentropy(labelSmoothing: 0.1), try matrix([[1]]), try matrix([[0.25]]), as: dtype)
      expectClose(value, -(t * log(0.25) + (1 - t) * log(0.75)), relative: 1e-15)
    }
  }

  /// Focal α and γ are rounded: BinaryFocal(balancing, α = 0.1, γ = 0.3) at y = 1, p = 0.5 is
  /// α·(½)^γ·ln 2 with α, γ rounded to Float in float32.
  @Test func focalOptionsAreRoundedToFloat() throws {
    for dtype in DType.allCases {
      let (a, g) = dtype == .float32 ? (Double(Float(0.1)), Double(Float(0.3))) : (0.1, 0.3)
      let value = try evaluateScalar(
        .binaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.1, gamma: 0.3), try matrix([[1]]), try matrix([[0.5]]),
        as: dtype)
      expectClose(value, a * pow(0.5, g) * ln2, relative: 1e-15)
    }
  }

  /// q is rounded: GCE(q = 0.3) at p_t = 0.5 is (1 − 0.5^q)/q.
  @Test func generalizedCrossEntropyQIsRoundedToFloat() throws {
    for dtype in DType.allCases {
      let q = dtype == .float32 ? Double(Float(0.3)) : 0.3
      let value = try evaluateScalar(.categoricalGeneralizedCrossEntropy(q: 0.3), Tensor([0]), try matrix([[0.5, 0.5]]), as: dtype)
      expectClose(value, (1 - pow(0.5, q)) / q, relative: 1e-15)
    }
  }

  /// Sample weights are rounded: per-sample loss 1 (y = 0, p = 1) times w = 0.1 → Float(0.1) in
  /// float32.
  @Test func sampleWeightsAreRoundedToFloat() throws {
    let y = try matrix([[0]])
    let p = try matrix([[1]])
    #expect(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: Tensor([0.1]), reduction: .sum, as: .float32) == Double(Float(0.1)))
    #expect(try evaluateScalar(.meanSquaredError, y, p, sampleWeight: Tensor([0.1]), reduction: .sum, as: .float64) == 0.1)
  }

  /// Circle's margin is rounded too. Embeddings [1, 0], [1, 0], [0.6, 0.8] (rounded to Float), labels
  /// [0, 0, 1], γ = 2, m = 0.1: row 0 has s⁺ = −γ·m·m (d = 0) and, with c = Float(0.6) and
  /// d = 1 − c, s⁻ = γ·(1 + m − d)·(1 − m − d) → softplus(s⁺ + s⁻).
  @Test func circleMarginIsRoundedToFloat() throws {
    let y = Tensor<Double>([0, 0, 1])
    let p = try matrix([[1, 0], [1, 0], [0.6, 0.8]])
    for dtype in DType.allCases {
      let m = dtype == .float32 ? Double(Float(0.1)) : 0.1
      let d = 1 - (dtype == .float32 ? Double(Float(0.6)) : 0.6)
      let sPositive = -2 * m * m
      let sNegative = 2 * (1 + m - d) * (1 - m - d)
      let expected = log1p(exp(sPositive + sNegative))
      let value = try evaluateScalar(.circle(gamma: 2, margin: 0.1), y, p, as: dtype)
      expectClose(value, expected, relative: 1e-13)
    }
  }
}
