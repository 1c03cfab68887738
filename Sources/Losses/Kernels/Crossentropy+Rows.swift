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

/// Extra per-vector sums taken during the logits scan (labels for categorical crossentropy).
protocol LogitScanExtras {
  /// Receives `m − x` (≥ 0, rounded) for the logits at `offset` (`live` lanes valid; the others
  /// are garbage and must be ignored).
  mutating func add(gap: SIMD8<Float>, at offset: Int, live: Int)
  /// Called after each block of up to 64 elements, and before `rebase`.
  mutating func endBlock()
  /// The running maximum grew by `delta` > 0: every gap so far grows by `delta`.
  mutating func rebase(by delta: Double)
}

/// No extra sums (sparse labels).
struct NoLogitExtras: LogitScanExtras {
  @inline(__always) mutating func add(gap: SIMD8<Float>, at offset: Int, live: Int) {}
  @inline(__always) mutating func endBlock() {}
  @inline(__always) mutating func rebase(by delta: Double) {}
}

/// The result of a logits scan: m = max x, S = Σ exp(x − m) (S ≥ 1), and whether every
/// x − m was finite (no NaN, no ±∞ anywhere in the row).
struct LogitRowScan {
  var max: Float
  var expSum: Double
  var isFinite: Bool

  /// log Σ exp(x) − m = log S, in Double.
  var logExpSum: Double { log(expSum) }
}

/// Rows up to this many Floats (16 KiB) stay in L1 between two passes.
private let residentRow = 4096

extension CrossentropyMath {
  /// m and S = Σ exp(x − m) of one row in one pass over memory.
  ///
  /// A row that fits in L1 (≤ 4096 elements) takes its maximum in a first pass (a running
  /// maximum per lane, one `maxps` a vector) and its exponentials in a second that reads from
  /// L1: memory is read once. A longer row is read in blocks of 64: each block's maximum (8
  /// vector maxima, then across lanes) updates the running m; when it grows, S (in Double) is rescaled by exp(m_old − m_new),
  /// evaluated in Double. The block's exponentials come from `expForSum` and are added to S in
  /// Double one vector at a time, so the term of the maximum (exactly 1) never absorbs the small
  /// terms: S − 1 keeps the relative accuracy of the exponentials even for confident rows.
  @inline(__always)
  static func scanLogits<Extras: LogitScanExtras>(
    _ x: UnsafePointer<Float>, count n: Int, extras: inout Extras
  ) -> LogitRowScan {
    var m = -Float.infinity
    var s = SIMD8<Double>()
    var check = SIMD8<Float>()
    var i = 0
    if n <= residentRow {
      // The row fits in L1: its maximum first (one running max per lane), then every
      // block below finds blockMax ≤ m and never rescales; the exponentials read from L1.
      // Two SIMD4 running maxima: with one SIMD8 (through `maximum`) LLVM kept one half as
      // `maxps` but turned the other, loop-carried, into a compare, mask shifts and a blend.
      var low = SIMD4<Float>(repeating: -.infinity)
      var high = SIMD4<Float>(repeating: -.infinity)
      while i + 8 <= n {
        let v = load(x, i)
        low = low.replacing(with: v.lowHalf, where: low .< v.lowHalf)
        high = high.replacing(with: v.highHalf, where: high .< v.highHalf)
        i += 8
      }
      var lanes = SIMD8<Float>(lowHalf: low, highHalf: high)
      if i < n { lanes = maximum(lanes, load(x + i, count: n - i, padding: -.infinity)) }
      m = horizontalMax(lanes)
      i = 0
    }
    while i + 64 <= n {
      if n > residentRow {
        var lanes = load(x, i)
        for k in stride(from: 8, to: 64, by: 8) { lanes = maximum(lanes, load(x, i + k)) }
        let blockMax = horizontalMax(lanes)
        if blockMax > m {
          rescale(&s, &m, to: blockMax, &extras)
        }
      }
      let mv = SIMD8<Float>(repeating: m)
      for k in stride(from: 0, to: 64, by: 8) {
        let v = load(x, i + k)
        let gap = mv - v
        check += gap
        s += widen(expForSum(v, minus: mv))
        extras.add(gap: gap, at: i + k, live: 8)
      }
      extras.endBlock()
      i += 64
    }
    while i < n {
      let rest = Swift.min(8, n - i)
      let v = rest == 8 ? load(x, i) : load(x + i, count: rest, padding: -.infinity)
      let blockMax = horizontalMax(v)
      if blockMax > m {
        rescale(&s, &m, to: blockMax, &extras)
      }
      let mv = SIMD8<Float>(repeating: m)
      let gap = mv - v
      check += SIMD8<Float>().replacing(with: gap, where: live(rest))
      s += SIMD8<Double>().replacing(with: widen(expForSum(v, minus: mv)), where: liveDouble(rest))
      extras.add(gap: gap, at: i, live: rest)
      i += rest
    }
    extras.endBlock()
    return LogitRowScan(max: m, expSum: s.sum(), isFinite: allFinite(check))
  }

  /// A new running maximum: S·exp(m − m′) in Double, the extras' gaps grown by m′ − m.
  @inline(never)
  static func rescale<Extras: LogitScanExtras>(
    _ s: inout SIMD8<Double>, _ m: inout Float, to newMax: Float, _ extras: inout Extras
  ) {
    extras.endBlock()
    if m != -.infinity {
      s *= exp(Double(m) - Double(newMax))
      extras.rebase(by: Double(newMax) - Double(m))
    }
    m = newMax
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
