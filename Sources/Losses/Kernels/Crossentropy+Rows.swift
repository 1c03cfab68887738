//===--- Crossentropy+Rows.swift ------------------------------------------===//
//
// Row (class-axis) loops of the categorical crossentropies: the one-pass
// online max and Σ exp(x − max) over logits, the Double sum of a
// probability row, and the careful Double fallbacks for non-finite rows.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

/// The result of a logits scan: m = max x, S − 1 = Σ exp(x − m) − 1 (≥ 0), and whether every
/// logit was finite (no NaN, no ±∞ anywhere in the row).
struct LogitRowScan {
  var max: Float
  var excess: Double
  var isFinite: Bool

  /// log Σ exp(x) − m = log S = log1p(S − 1), in Double.
  var logExpSum: Double { log1p(excess) }
}

/// How a row's exponentials are scaled: e^(x − m) = e^(x − c − K·ln 2) · e^(−(m − c − K·ln 2)).
///
/// The exponent is reduced from x − c, which is exact: c = 0, or c = m when |m| ≥ 174 (then every
/// x that is not clamped lies within 87 of m, so within a factor 2 of it: Sterbenz). That leaves
/// |x − c| ≤ 261, where the reduction k·ln2Hi is exact (|k| < 512), so no rounding tail of x − m
/// is needed. K = round((m − c)·log₂e) is taken out of each 2ᵏ through the exponent bias, so the
/// maximum's term is about 1 and the others smaller; x − c below m − c − 87 is clamped (terms
/// under e⁻⁸⁷ relative, invisible in a sum of at least 1).
struct LogitShift {
  /// c.
  let offset: Float
  /// K.
  let exponent: Int32
  /// The bits added to k·2²³ to form 2^(k − K) (127 − K in the exponent field).
  let bias: Int32
  /// m − c − 87.
  let floor: Float

  /// The shift for the maximum m (any shift for a non-finite m: such rows are discarded).
  init(max m: Float) {
    offset = m.isFinite && Swift.abs(m) >= 174 ? m : 0
    let top = m.isFinite ? m - offset : 0
    exponent = Int32((top * CrossentropyMath.log2e).rounded())
    bias = 0x3f80_0000 &- (exponent &<< 23)
    floor = top - 87
  }

  /// c + K·ln 2 in Double (K·ln 2 rounds by at most 2⁻⁴⁵ absolute).
  var total: Double { Double(offset) + Double(exponent) * CrossentropyMath.ln2 }
}

/// Rows up to this many Floats (16 KiB) stay in L1 between two passes.
private let residentRow = 4096

extension CrossentropyMath {
  /// m and S − 1 = Σ exp(x − m) − 1 of one row: by `scanLogitsAVX2` where
  /// `InstructionSet.selected` allows, else by `scanLogitsPortable`, reading memory once.
  ///
  /// Portably, a row that fits in L1 (≤ 4096 elements) takes its maximum in a first pass (a running
  /// maximum per lane, one `maxps` a vector) and its exponentials in a second that reads from
  /// L1. A longer row is read in blocks of 64: each block's maximum (8 vector maxima, then
  /// across lanes) updates the running m; when it grows, the sum is rescaled to the new
  /// `LogitShift` by exp(old total − new total), in Double. The exponentials come from
  /// `expShifted`, each within 1 ulp of its exact value relative, and are added in Double.
  ///
  /// The maximum's own term is not exactly 1 there: its computed value T_m (the same code on m)
  /// is taken out of the sum and the rest divided by the exact e^(m − c − K·ln 2) (libm, Double),
  /// so S − 1 = (Σ T − T_m)/e^(m − c − K·ln 2) keeps the relative accuracy of the other terms even
  /// for a confident row, where the loss is log1p(S − 1) ≈ S − 1.
  @inline(__always)
  static func scanLogits(_ x: UnsafePointer<Float>, count n: Int) -> LogitRowScan {
    #if arch(x86_64)
    if InstructionSet.selected == .avx2FMA && n > 0 { return scanLogitsAVX2(x, count: n) }
    #endif
    return scanLogitsPortable(x, count: n)
  }

  /// `scanLogits` in Swift SIMD, for any CPU.
  @inline(__always)
  static func scanLogitsPortable(_ x: UnsafePointer<Float>, count n: Int) -> LogitRowScan {
    var m = -Float.infinity
    var s = SIMD8<Double>()
    var check = SIMD8<Float>()
    var i = 0
    if n <= residentRow {
      // The row fits in L1: its maximum (and finiteness) first, one running max per lane; then
      // every block below finds blockMax ≤ m and never rescales; the exponentials read from L1.
      // Two SIMD4 running maxima: with one SIMD8 (through `maximum`) LLVM kept one half as
      // `maxps` but turned the other, loop-carried, into a compare, mask shifts and a blend.
      var low = SIMD4<Float>(repeating: -.infinity)
      var high = SIMD4<Float>(repeating: -.infinity)
      while i + 8 <= n {
        let v = load(x, i)
        low = low.replacing(with: v.lowHalf, where: low .< v.lowHalf)
        high = high.replacing(with: v.highHalf, where: high .< v.highHalf)
        check += v * 0
        i += 8
      }
      var lanes = SIMD8<Float>(lowHalf: low, highHalf: high)
      if i < n {
        let v = load(x + i, count: n - i, padding: 0)
        lanes = maximum(lanes, load(x + i, count: n - i, padding: -.infinity))
        check += v * 0
      }
      m = horizontalMax(lanes)
      i = 0
    }
    var shift = LogitShift(max: m)
    while i + 64 <= n {
      if n > residentRow {
        var lanes = load(x, i)
        check += lanes * 0
        for k in stride(from: 8, to: 64, by: 8) {
          let v = load(x, i + k)
          lanes = maximum(lanes, v)
          check += v * 0
        }
        let blockMax = horizontalMax(lanes)
        if blockMax > m {
          rescale(&s, &m, &shift, to: blockMax)
        }
      }
      for k in stride(from: 0, to: 64, by: 8) {
        s += widen(expShifted(load(x, i + k), shift))
      }
      i += 64
    }
    while i < n {
      let rest = Swift.min(8, n - i)
      let v = rest == 8 ? load(x, i) : load(x + i, count: rest, padding: -.infinity)
      if n > residentRow {
        check += (rest == 8 ? v : load(x + i, count: rest, padding: 0)) * 0
        let blockMax = horizontalMax(v)
        if blockMax > m {
          rescale(&s, &m, &shift, to: blockMax)
        }
      }
      s += SIMD8<Double>().replacing(with: widen(expShifted(v, shift)), where: liveDouble(rest))
      i += rest
    }
    guard allFinite(check) else { return LogitRowScan(max: m, excess: .nan, isFinite: false) }
    let maxTerm = Double(expShifted(SIMD8<Float>(repeating: m), shift)[0])
    let exactMaxTerm = exp(Double(m) - shift.total)
    return LogitRowScan(max: m, excess: (s.sum() - maxTerm) / exactMaxTerm, isFinite: true)
  }

  /// A new running maximum: the sum rescaled to its shift.
  @inline(never)
  static func rescale(_ s: inout SIMD8<Double>, _ m: inout Float, _ shift: inout LogitShift, to newMax: Float) {
    let newShift = LogitShift(max: newMax)
    if m != -.infinity {
      s *= exp(shift.total - newShift.total)
    }
    m = newMax
    shift = newShift
  }

  /// e^(x − c − K·ln 2) for the logits of a row (`LogitShift`): `Elementary.exp`'s reduction of
  /// the exact x − c, clamped below, a degree-6 polynomial by Estrin's scheme, one scaling by
  /// 2^(k − K) (normal: k − K ∈ [−126, 1]).
  ///
  /// Error: < 1 ulp relative, as `Elementary.exp` (the argument is exact, and the polynomial's
  /// 2⁻²⁸·²⁵ adds 0.1 ulp to that analysis). NaN inputs give garbage, which the scan detects
  /// through the finiteness of the row.
  @inline(__always)
  static func expShifted(_ x: SIMD8<Float>, _ shift: LogitShift) -> SIMD8<Float> {
    let (t, rHi, w) = reducedExp(maximum(x - shift.offset, SIMD8(repeating: shift.floor)))
    return (1 + (rHi + w)) * powerOfTwo(t, bias: shift.bias)
  }

  /// Σ p over one row, each element widened to Double (exact terms, Double additions).
  @inline(__always)
  static func doubleSum(_ p: UnsafePointer<Float>, count n: Int) -> Double {
    var s = SIMD8<Double>()
    var i = 0
    while i + 8 <= n {
      s += widen(load(p, i))
      i += 8
    }
    if i < n {
      s += widen(load(p + i, count: n - i, padding: 0))
    }
    return s.sum()
  }

  // MARK: Careful rows (Double, Keras's formulas literally)

  /// The log-probabilities of one row of logits: x − lse, or, when lse is infinite (an +∞
  /// logit, or all −∞), Keras's x − m − log Σ exp(x − m) (which gives NaN there).
  static func carefulLogSoftmax(_ x: UnsafePointer<Float>, count n: Int) -> [Double] {
    let row = (0..<n).map { Double(x[$0]) }
    var m = -Double.infinity
    var hasNaN = false
    for v in row {
      if v.isNaN { hasNaN = true }
      m = Swift.max(m, v)
    }
    if hasNaN { return row.map { _ in .nan } }
    var logSum = m
    if m.isFinite {
      var s = 0.0
      for v in row { s += exp(v - m) }
      logSum = m + log(s)
    }
    if logSum.isInfinite {
      let shifted = row.map { $0 - m }
      var s = 0.0
      for v in shifted { s += exp(v) }
      return shifted.map { $0 - log(s) }
    }
    return row.map { $0 - logSum }
  }

  /// clip(p / Σp, eps, 1 − eps) over one row, in Double.
  static func carefulNormalized(_ p: UnsafePointer<Float>, count n: Int) -> [Double] {
    var total = 0.0
    for k in 0..<n { total += Double(p[k]) }
    return (0..<n).map { clipProbability(Double(p[$0]) / total) }
  }

  /// log of the clipped, renormalised probabilities, or the log-softmax of logits.
  static func carefulLogProbabilities(_ p: UnsafePointer<Float>, count n: Int, fromLogits: Bool) -> [Double] {
    fromLogits ? carefulLogSoftmax(p, count: n) : carefulNormalized(p, count: n).map { log($0) }
  }
}

extension Float32Loss {
  /// Runs `row` on each contiguous lane along `axis` (equal shapes required), with the lane's
  /// index, into the sink the reduction needs.
  @inline(__always)
  static func rowLosses(
    _ yTrue: Operand, _ yPred: Operand, axis: Int, needsValues: Bool,
    prepare: (Lanes) throws -> Void = { _ in },
    _ row: (UnsafePointer<Float>, UnsafePointer<Float>, Int, Int) -> Double
  ) throws -> PerSampleLosses {
    try Lanes.with(yTrue, yPred, axis: axis, broadcast: false) { y, p, lanes in
      try prepare(lanes)
      let n = lanes.length
      return PerSampleLosses.collect(
        count: lanes.count, shape: lanes.resultShape, needsValues: needsValues,
        { sink in
          for lane in 0..<lanes.count { sink.append(row(y + lane * n, p + lane * n, n, lane)) }
        },
        { sink in
          for lane in 0..<lanes.count { sink.append(row(y + lane * n, p + lane * n, n, lane)) }
        })
    }
  }
}
