//===--- ElementaryTests.swift --------------------------------------------===//
//
// Special values, a dense accuracy sample against Double libm, and the
// SIMD8-lanes-equal-scalar property of Losses' Elementary functions.
//
//===----------------------------------------------------------------------===//

import Losses
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Support

/// A function under test: its SIMD8 and scalar overloads, a Double
/// reference, and the documented error bound in ULPs.
private struct ElementaryCase: Sendable, CustomTestStringConvertible {
  var name: String
  var vector: @Sendable (SIMD8<Float>) -> SIMD8<Float>
  var scalar: @Sendable (Float) -> Float
  var exact: @Sendable (Double) -> Double
  var bound: Double

  var testDescription: String { name }

  static let all: [ElementaryCase] = [
    ElementaryCase(
      name: "exp", vector: { Elementary.exp($0) }, scalar: { Elementary.exp($0) },
      exact: { exp($0) }, bound: 1),
    ElementaryCase(
      name: "log", vector: { Elementary.log($0) }, scalar: { Elementary.log($0) },
      exact: { log($0) }, bound: 1),
    ElementaryCase(
      name: "log1p", vector: { Elementary.log1p($0) }, scalar: { Elementary.log1p($0) },
      exact: { log1p($0) }, bound: 1),
    ElementaryCase(
      name: "softplus", vector: { Elementary.softplus($0) },
      scalar: { Elementary.softplus($0) }, exact: exactSoftplus, bound: 2.5),
    ElementaryCase(
      name: "logSigmoid", vector: { Elementary.logSigmoid($0) },
      scalar: { Elementary.logSigmoid($0) }, exact: { -exactSoftplus(-$0) }, bound: 2.5),
    ElementaryCase(
      name: "sigmoid", vector: { Elementary.sigmoid($0) },
      scalar: { Elementary.sigmoid($0) }, exact: exactSigmoid, bound: 3),
  ]
}

/// `log(1 + eˣ)` in Double.
private func exactSoftplus(_ x: Double) -> Double {
  x.isNaN ? x : max(x, 0) + log1p(exp(-abs(x)))
}

/// `1 / (1 + e⁻ˣ)` in Double.
private func exactSigmoid(_ x: Double) -> Double {
  if x.isNaN { return x }
  let t = exp(-abs(x))
  return (x >= 0 ? 1 : t) / (1 + t)
}

/// `|got − exact|` in ULPs of `exact` (the Float spacing in the binade of
/// `exact`, 2⁻¹⁴⁹ for subnormals); NaN against non-NaN and a wrong infinity
/// are `∞`; an exact value that rounds to `±∞` matched by `±∞` is 0.
private func ulpError(_ got: Float, exact: Double) -> Double {
  if exact.isNaN || got.isNaN { return exact.isNaN && got.isNaN ? 0 : .infinity }
  if Float(exact).isInfinite {
    if Double(got) == Double(Float(exact)) { return 0 }
    if exact.isInfinite || got.isInfinite { return .infinity }
  }
  let g = got.isInfinite ? (got > 0 ? 0x1p128 : -0x1p128) : Double(got)
  let magnitude = abs(exact)
  let ulp =
    magnitude < 0x1p-126
    ? 0x1p-149 : Double(sign: .plus, exponent: magnitude.exponent - 23, significand: 1)
  return abs(g - exact) / ulp
}

/// Same bits, or both NaN.
private func identical(_ a: Float, _ b: Float) -> Bool {
  a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
}

/// `f(x)` through the scalar overload and through each SIMD8 lane position;
/// records an issue if they differ, returns the scalar result.
private func evaluate(
  _ f: ElementaryCase, _ x: Float, sourceLocation: SourceLocation = #_sourceLocation
) -> Float {
  let y = f.scalar(x)
  for lane in 0..<8 {
    var v = SIMD8<Float>(repeating: 1)
    v[lane] = x
    let got = f.vector(v)[lane]
    if !identical(got, y) {
      Issue.record(
        "\(f.name)(\(x)): lane \(lane) gives \(got), scalar gives \(y)",
        sourceLocation: sourceLocation)
    }
  }
  return y
}

/// Inputs worth checking by name: zeros, extremes, binade edges, subnormals.
private let edgeInputs: [Float] = {
  var values: [Float] = [
    0, 1, 2, 0.5, .pi, .ulpOfOne, 1 - .ulpOfOne / 2, 1 + .ulpOfOne,
    .leastNonzeroMagnitude, .leastNormalMagnitude, .leastNormalMagnitude.nextDown,
    .greatestFiniteMagnitude, 0x1p-24, 0x1p-25, 0x1p-12, 1e-30,
    0.70710677, 0.7071067, 1.4142135, 1.4142137, 16.635532, 17, 20, 87.33655, 88,
    88.72283, 88.72284, 89, 100, 103.27893, 103.97207, 103.97208, 104, 1e10, 1e30,
  ]
  values += values.map { -$0 }
  values += [.infinity, -.infinity, .nan, -.nan, .signalingNaN]
  return values
}()

// MARK: - Special values

@Suite struct ElementarySpecialValueTests {
  private func check(
    _ name: String, _ x: Float, _ expected: Float,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    guard let f = ElementaryCase.all.first(where: { $0.name == name }) else {
      Issue.record("no function \(name)", sourceLocation: sourceLocation)
      return
    }
    let y = evaluate(f, x, sourceLocation: sourceLocation)
    #expect(
      identical(y, expected), "\(name)(\(x)) = \(y), expected \(expected)",
      sourceLocation: sourceLocation)
  }

  @Test func exp() {
    check("exp", 0, 1)
    check("exp", -0.0, 1)
    check("exp", .leastNonzeroMagnitude, 1)
    check("exp", -.leastNonzeroMagnitude, 1)
    check("exp", 1, 2.7182817)
    check("exp", .infinity, .infinity)
    check("exp", -.infinity, 0)
    check("exp", .nan, .nan)
    // Overflow exactly where the rounded result does: e^x for the largest
    // x below the threshold (0x1.62e42ep6) is finite, for the next it is ∞.
    check("exp", Float(bitPattern: 0x42b1_7217), 0x1.ffff08p127)
    check("exp", Float(bitPattern: 0x42b1_7218), .infinity)
    check("exp", .greatestFiniteMagnitude, .infinity)
    // Subnormal results and underflow: e^x < 2⁻¹⁵⁰ rounds to +0 for
    // x ≤ −150·ln 2 = −103.972077…; just above, 2⁻¹⁴⁹.
    check("exp", Float(bitPattern: 0xc2cf_f1b5), 0)  // −103.97208
    check("exp", Float(bitPattern: 0xc2cf_f1b4), .leastNonzeroMagnitude)  // −103.97207
    check("exp", -104, 0)
    check("exp", -.greatestFiniteMagnitude, 0)
    check("exp", -100, 27 * .leastNonzeroMagnitude)  // 3.7835e−44, subnormal
    check("exp", -87.33655, 0x1.ffff98p-127)  // just below the least normal
  }

  @Test func log() {
    check("log", 0, -.infinity)
    check("log", -0.0, -.infinity)
    check("log", 1, 0)
    check("log", 2, 0x1.62e430p-1)  // ln 2 rounded
    check("log", -1, .nan)
    check("log", -.leastNonzeroMagnitude, .nan)
    check("log", -.infinity, .nan)
    check("log", .infinity, .infinity)
    check("log", .nan, .nan)
    check("log", .leastNonzeroMagnitude, -0x1.9d1da0p6)  // −149·ln 2 = −103.27893
    check("log", .leastNormalMagnitude, -0x1.5d58a0p6)  // −126·ln 2 = −87.33655
    check("log", .greatestFiniteMagnitude, 0x1.62e430p6)  // 88.72284
  }

  @Test func log1p() {
    check("log1p", 0, 0)
    check("log1p", -0.0, -0.0)
    check("log1p", .leastNonzeroMagnitude, .leastNonzeroMagnitude)
    check("log1p", -.leastNonzeroMagnitude, -.leastNonzeroMagnitude)
    check("log1p", 1e-30, 1e-30)
    check("log1p", 1, 0x1.62e430p-1)  // ln 2
    check("log1p", -1, -.infinity)
    check("log1p", -1.0000001, .nan)
    check("log1p", -2, .nan)
    check("log1p", -.infinity, .nan)
    check("log1p", .infinity, .infinity)
    check("log1p", .nan, .nan)
    check("log1p", .greatestFiniteMagnitude, 0x1.62e430p6)
  }

  @Test func softplusAndLogSigmoid() {
    check("softplus", 0, 0x1.62e430p-1)
    check("softplus", -0.0, 0x1.62e430p-1)
    check("softplus", .infinity, .infinity)
    check("softplus", -.infinity, 0)
    check("softplus", .nan, .nan)
    check("softplus", 100, 100)
    check("softplus", .greatestFiniteMagnitude, .greatestFiniteMagnitude)
    check("softplus", -.greatestFiniteMagnitude, 0)
    check("softplus", -100, 27 * .leastNonzeroMagnitude)  // e⁻¹⁰⁰, subnormal
    check("logSigmoid", 0, -0x1.62e430p-1)
    check("logSigmoid", .infinity, -0.0)
    check("logSigmoid", 200, -0.0)
    check("logSigmoid", -.infinity, -.infinity)
    check("logSigmoid", -100, -100)
    check("logSigmoid", .nan, .nan)
  }

  @Test func sigmoid() {
    check("sigmoid", 0, 0.5)
    check("sigmoid", -0.0, 0.5)
    check("sigmoid", .infinity, 1)
    check("sigmoid", -.infinity, 0)
    check("sigmoid", 20, 1)
    check("sigmoid", -100, 27 * .leastNonzeroMagnitude)  // e⁻¹⁰⁰, subnormal
    check("sigmoid", -200, 0)
    check("sigmoid", .nan, .nan)
  }
}

// MARK: - Accuracy and lane consistency

@Suite struct ElementaryAccuracyTests {
  /// Every `stride`-th bit pattern (and the named edge inputs), eight per
  /// vector: the max error against Double libm is within the documented
  /// bound, and every lane equals the scalar overload bit for bit.
  /// 2³²/8191 ≈ 524 000 inputs per function (3.1 million in all) cover
  /// every binade, subnormals included, in a few seconds of a debug build.
  @Test(arguments: ElementaryCase.all)
  fileprivate func denseSample(_ f: ElementaryCase) {
    let stride: UInt64 = 8191
    var inputs = edgeInputs
    var pattern: UInt64 = 0
    while pattern < 1 << 32 {
      inputs.append(Float(bitPattern: UInt32(pattern)))
      pattern += stride
    }
    while inputs.count % 8 != 0 { inputs.append(0) }

    var maxError = 0.0
    var worst: Float = 0
    var mismatches = 0
    var firstMismatch: Float?
    inputs.withUnsafeBufferPointer { buffer in
      var i = 0
      while i < buffer.count {
        let x = SIMD8<Float>(buffer[i..<i + 8])
        let y = f.vector(x)
        for lane in 0..<8 {
          let scalar = f.scalar(x[lane])
          if !identical(y[lane], scalar) {
            mismatches += 1
            firstMismatch = firstMismatch ?? x[lane]
          }
          let error = ulpError(y[lane], exact: f.exact(Double(x[lane])))
          if !(error <= maxError) {
            maxError = error
            worst = x[lane]
          }
        }
        i += 8
      }
    }
    #expect(
      maxError < f.bound,
      "\(f.name): max error \(maxError) ulp at \(worst) (bits 0x\(String(worst.bitPattern, radix: 16)))"
    )
    #expect(
      mismatches == 0,
      "\(f.name): \(mismatches) lanes differ from the scalar overload, first at \(String(describing: firstMismatch))"
    )
  }
}
