//===--- AVX2KernelTests.swift --------------------------------------------===//
//
// The AVX2 and FMA loops of `_LossesAVX2` and the portable Swift loops they
// stand in for, both against Double on the same inputs: each must meet the
// documented bound, whichever one `InstructionSet.selected` picks here.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _LossesAVX2
@testable import Losses
import PropertyCheck
import Testing

#if arch(x86_64)
/// Whether this machine runs the AVX2 loops (the tests of both kinds need it).
private let hasAVX2 = losses_avx2_fma_available() != 0

/// A uniform Float in [low, high), from the top 24 bits of the generator.
private func uniform(_ rng: inout Xoshiro256, _ low: Float, _ high: Float) -> Float {
  low + (high - low) * Float(rng.next() >> 40) * 0x1p-24
}

/// Both forms' sums of one lane: each present and within `allowed` of `exact`.
private func expectLaneSums(
  avx2: Double?, portable: Double?, exact: Double, allowed: Double, _ comment: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  for (name, got) in [("avx2", avx2), ("portable", portable)] {
    let within = got.map { abs($0 - exact) <= allowed } == true
    #expect(within, "\(name), \(comment): \(String(describing: got)) against \(exact)", sourceLocation: sourceLocation)
  }
}

/// Row lengths around every boundary of the loops: vectors of 8, iterations of 16 and 32, the
/// exponentials' pipeline of three vectors, label blocks of 64, the portable loop's L1 limit of 4096.
private let lengths = [
  1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 63, 64, 65, 100, 1024, 1031, 4096, 4100, 20_000,
]

@Suite("The AVX2 loops and the portable loops meet the same bounds", .enabled(if: hasAVX2))
struct AVX2KernelTests {
  /// S − 1 of rows of every length and in every regime (offset 0 or m, clamped terms or none):
  /// each term within 1 ulp relative and the maximum's term exact, so |S − 1| is within 2⁻²³
  /// relative plus the clamped terms (each below e⁻⁸⁷ of the maximum's).
  @Test(arguments: [(Float(0), Float(8)), (0, 120), (200, 6), (-300, 90), (40, 0.01)])
  func rowScansMeetTheirBound(center: Float, spread: Float) {
    var rng = Xoshiro256(seed: 0xA7C2_0001 ^ UInt64(bitPattern: Int64(center)))
    for n in lengths {
      let row = (0..<n).map { _ in center + uniform(&rng, -spread, spread) }
      let m = row.max()!
      var exact = 0.0
      var skipped = false
      for v in row {
        if v == m && !skipped { skipped = true } else { exact += exp(Double(v) - Double(m)) }
      }
      let allowed = 0x1p-23 * exact + Double(n) * exp(-87.0) + 0x1p-50
      row.withUnsafeBufferPointer { x in
        for (name, scan) in [
          ("avx2", CrossentropyMath.scanLogitsAVX2(x.baseAddress!, count: n)),
          ("portable", CrossentropyMath.scanLogitsPortable(x.baseAddress!, count: n)),
        ] {
          #expect(scan.isFinite && scan.max == m, "\(name), n = \(n)")
          #expect(abs(scan.excess - exact) <= allowed, "\(name), n = \(n): \(scan.excess) against \(exact)")
        }
      }
    }
  }

  /// A NaN or an infinity anywhere in a row, the tail included, marks it non-finite.
  @Test(arguments: [Float.nan, .infinity, -.infinity])
  func nonFiniteRowsAreFlagged(_ special: Float) {
    for n in [1, 8, 17, 33, 100] {
      for position in Set([0, n / 2, n - 1]) {
        var row = (0..<n).map { Float($0 % 7) - 3 }
        row[position] = special
        row.withUnsafeBufferPointer { x in
          #expect(!CrossentropyMath.scanLogitsAVX2(x.baseAddress!, count: n).isFinite, "n = \(n) at \(position)")
          #expect(!CrossentropyMath.scanLogitsPortable(x.baseAddress!, count: n).isFinite, "n = \(n) at \(position)")
        }
      }
    }
  }

  /// The categorical label sums, soft and one-hot: Y, A = Σ y·(m − x) and B = Σ (m − x) have
  /// terms of one sign, so each is within 9u relative of its exact Double value.
  @Test(arguments: [false, true])
  func labelSumsMeetTheirBound(oneHot: Bool) {
    var rng = Xoshiro256(seed: oneHot ? 0xA7C2_0002 : 0xA7C2_0003)
    for n in lengths {
      let x = (0..<n).map { _ in uniform(&rng, -10, 10) }
      let hot = Int(rng.next(upTo: UInt64(n - 1)))
      let y = (0..<n).map { oneHot ? Float($0 == hot ? 1 : 0) : uniform(&rng, 0, 1) }
      let m = x.max()!
      let labels = y.reduce(0.0) { $0 + Double($1) }
      let labelled = zip(y, x).reduce(0.0) { $0 + Double($1.0) * (Double(m) - Double($1.1)) }
      let gaps = x.reduce(0.0) { $0 + (Double(m) - Double($1)) }
      y.withUnsafeBufferPointer { yb in
        x.withUnsafeBufferPointer { xb in
          let (y0, x0) = (yb.baseAddress!, xb.baseAddress!)
          let avx2 = CrossentropyMath.scanCategoricalLogitsAVX2(y0, x0, count: n, withGaps: true).1!
          let skipping = CrossentropyMath.scanCategoricalLogitsAVX2(y0, x0, count: n, withGaps: false).1!
          let same = skipping.labels == avx2.labels && skipping.labelledGaps == avx2.labelledGaps
          #expect(same && skipping.gaps == 0, "n = \(n)")
          let portable = CategoricalLabelSums(yb.baseAddress!, xb.baseAddress!, count: n, max: m, withGaps: true)
          for (name, sums) in [("avx2", avx2), ("portable", portable)] {
            for (got, exact) in [(sums.labels, labels), (sums.labelledGaps, labelled), (sums.gaps, gaps)] {
              #expect(abs(got - exact) <= 9 * 0x1p-24 * exact, "\(name), n = \(n): \(got) against \(exact)")
            }
          }
        }
      }
    }
  }

  /// Binary crossentropy from logits over lanes of hard and smoothed labels: every term within
  /// 0.4u relative (e^−|x|'s error, carried at most whole by log(1 + v); the linear parts exact or
  /// one Double rounding) and non-negative, and the product lanes within 2⁻⁴⁰ relative, so the sum
  /// is within (0.4u + 2⁻⁴⁰)·exact. Lanes long enough to renormalize (x = 0: 1 + D doubles each
  /// step) and lanes that leave the domain (|x| > 86, NaN) included.
  @Test(arguments: [Float(0), 0.1])
  func binaryLogitLanesMeetTheirBound(labelSmoothing: Float) {
    var rng = Xoshiro256(seed: 0xA7C2_0005)
    let term = BinaryLogitTerm(labelSmoothing: labelSmoothing)
    for n in [16, 17, 23, 64, 100, 1024, 1031, 20_000, 100_003] {
      for zeros in [false, true] {
        let x = (0..<n).map { _ in zeros ? 0 : uniform(&rng, -20, 20) }
        let y = (0..<n).map { _ in Float(rng.next() & 1) }
        var exact = 0.0
        for (label, logit) in zip(y, x) {
          let t = Double(label) * (1 - Double(labelSmoothing)) + 0.5 * Double(labelSmoothing)
          let v = Double(logit)
          exact += Swift.max(v, 0) - t * v + log1p(exp(-abs(v)))
        }
        expectLaneSums(
          avx2: term.fastLaneSumAVX2(y, x, count: n), portable: term.fastLaneSumPortable(y, x, count: n),
          exact: exact, allowed: (0.4 * 0x1p-24 + 0x1p-40) * exact, "n = \(n)")
      }
      for outside in [Float(86.5), -90, .nan, .infinity] {
        var x = (0..<n).map { _ in uniform(&rng, -5, 5) }
        x[n - 1] = outside
        let y = [Float](repeating: 1, count: n)
        #expect(term.fastLaneSumAVX2(y, x, count: n) == nil, "n = \(n), x = \(outside)")
      }
    }
  }

  /// Binary crossentropy of probabilities with labels 0 and 1: the factors are exact and each
  /// product step rounds by 2⁻⁵³, so the lane is within (n + 10)·2⁻⁵³ of the exact Σ log f,
  /// at most (1 + 10/n)·2⁻²⁹ relative (|log f| ≥ 2⁻²⁴); clipped probabilities (0, 1, beyond)
  /// and lanes long enough to renormalize many times included; soft labels, NaN and ±∞ refused.
  @Test func binaryProbabilityLanesMeetTheirBound() {
    var rng = Xoshiro256(seed: 0xA7C2_0006)
    let term = BinaryProbabilityTerm(labelSmoothing: 0)
    for n in [16, 17, 23, 64, 100, 255, 256, 257, 1024, 1031, 100_003] {
      let y = (0..<n).map { _ in Float(rng.next() & 1) }
      let p = (0..<n).map { k in k % 17 == 0 ? Float(k % 3) - 0.5 : uniform(&rng, 0, 1) }
      var exact = 0.0
      for (label, probability) in zip(y, p) {
        let pc = Double(Swift.min(Swift.max(probability, Float(1e-7)), 1 - 0x1p-23))
        exact -= label == 1 ? log(pc) : log1p(-pc)
      }
      expectLaneSums(
        avx2: term.fastLaneSumAVX2(y, p, count: n), portable: term.fastLaneSumPortable(y, p, count: n),
        exact: exact, allowed: (1 + 10 / Double(n)) * 0x1p-29 * exact, "n = \(n)")
      for (label, probability) in [(Float(0.5), Float(0.5)), (1, .nan), (0, .infinity), (.nan, 0.5)] {
        var labels = y
        var probabilities = p
        labels[n - 1] = label
        probabilities[n - 1] = probability
        let refused = term.fastLaneSumAVX2(labels, probabilities, count: n) == nil
        #expect(refused, "n = \(n), (\(label), \(probability))")
      }
    }
  }

  /// e^−|x| in that loop, seen through lanes of 16 equal elements with label 0 and x ≤ 0, whose
  /// terms log(1 + eˣ) carry v's relative error nearly whole when x is very negative: within
  /// 0.4u (as `expWide`, the portable form) plus the lane's 2⁻⁴⁰ over a dense sample of [−86, 0].
  @Test func binaryLogitExponentialIsWithinItsBound() {
    let term = BinaryLogitTerm(labelSmoothing: 0)
    let labels = [Float](repeating: 0, count: 16)
    var worst = 0.0
    var x: Float = 0
    while x >= -86 {
      let exact = 16 * log1p(exp(Double(x)))
      let got = term.fastLaneSumAVX2(labels, [Float](repeating: x, count: 16), count: 16) ?? .nan
      worst = Swift.max(worst, (abs(got - exact) / exact - 0x1p-40) * 0x1p24)
      x -= 86.0 / 30_000
    }
    #expect(worst <= 0.4, "\(worst)u")
  }

  /// KL divergence lanes: within 4.5u·Σ|terms| of the exact Σ y_c·log(y_c/p_c) (clipping to
  /// [1e-7, 1] included), NaN in any block gives NaN.
  @Test func klLanesMeetTheirBound() {
    var rng = Xoshiro256(seed: 0xA7C2_0004)
    for n in lengths {
      // Mostly inside (0, 1], some below the clip and some above 1, some y = p exactly.
      let y = (0..<n).map { k in k % 11 == 0 ? Float(1e-9) : uniform(&rng, 0, 1.1) }
      let p = (0..<n).map { k in k % 13 == 0 ? y[k] : uniform(&rng, 0, 1.05) }
      var exact = 0.0
      var magnitude = 0.0
      for (a, b) in zip(y, p) {
        let yc = Double(Swift.min(Swift.max(a, Float(1e-7)), 1))
        let pc = Double(Swift.min(Swift.max(b, Float(1e-7)), 1))
        exact += yc * log(yc / pc)
        magnitude += abs(yc * log(yc / pc))
      }
      y.withUnsafeBufferPointer { yb in
        p.withUnsafeBufferPointer { pb in
          let avx2 = losses_avx2_kl_sum(yb.baseAddress!, pb.baseAddress!, n)
          let portable = WideLog.klFloatLanePortable(yb.baseAddress!, pb.baseAddress!, count: n)
          for (name, got) in [("avx2", avx2), ("portable", portable)] {
            #expect(abs(got - exact) <= 4.5 * 0x1p-24 * magnitude, "\(name), n = \(n): \(got) against \(exact)")
          }
        }
      }
      var withNaN = y
      withNaN[n - 1] = .nan
      #expect(losses_avx2_kl_sum(withNaN, p, n).isNaN, "n = \(n)")
    }
  }

  /// Σ (y − p)² and Σ |y − p|: the AVX2 loop and the portable `LaneSum` (with and without its
  /// prefetches) within 6u (squares) or 4u (magnitudes) of the exact sum, the terms being
  /// non-negative: y − p rounds once (u relative), the square doubles that and rounds once more
  /// (or is fused into its accumulator), a block of 64 adds at most 3u·Σ terms; the Double sums
  /// add a negligible n·2⁻⁵³. A NaN anywhere gives NaN.
  @Test func differenceSumsMeetTheirBound() {
    var rng = Xoshiro256(seed: 0xA7C2_0005)
    for n in lengths {
      let y = (0..<n).map { _ in uniform(&rng, -4, 4) }
      let p = (0..<n).map { k in k % 7 == 0 ? y[k] : uniform(&rng, -4, 4) }
      for absolute in [false, true] {
        let exact = zip(y, p).reduce(0.0) { sum, pair in
          let d = Double(pair.0) - Double(pair.1)
          return sum + (absolute ? abs(d) : d * d)
        }
        let allowed = (absolute ? 4 : 6) * 0x1p-24 * exact
        let avx2 = losses_avx2_difference_sum(y, p, n, absolute ? 1 : 0)
        for prefetching in [false, true] {
          let portable = absolute
            ? LaneSum.sum(y, p, count: n, AbsoluteDifference.self, prefetching: prefetching)
            : LaneSum.sum(y, p, count: n, SquaredDifference.self, prefetching: prefetching)
          expectLaneSums(
            avx2: avx2, portable: portable, exact: exact, allowed: allowed,
            "n = \(n), absolute: \(absolute), prefetching: \(prefetching)")
        }
        var withNaN = p
        withNaN[n / 2] = .nan
        #expect(losses_avx2_difference_sum(y, withNaN, n, absolute ? 1 : 0).isNaN, "n = \(n)")
      }
    }
  }
}
#endif
