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
  /// Receives the logits at `offset` (`live` lanes valid; the others hold −∞ and must be ignored).
  mutating func add(_ x: SIMD8<Float>, at offset: Int, live: Int)
  /// Called after each block of up to 64 elements.
  mutating func endBlock()
}

/// No extra sums (sparse labels).
struct NoLogitExtras: LogitScanExtras {
  @inline(__always) mutating func add(_ x: SIMD8<Float>, at offset: Int, live: Int) {}
  @inline(__always) mutating func endBlock() {}
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

extension CrossentropyMath {
  /// m and S = Σ exp(x − m) of one row in one pass over memory.
  ///
  /// The row is read in blocks of 64. Each block's maximum (8 vector maxima, then across lanes)
  /// updates the running m; when it grows, S (in Double) is rescaled by exp(m_old − m_new),
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
    while i + 64 <= n {
      var bm = load(x, i)
      for k in stride(from: 8, to: 64, by: 8) {
        let v = load(x, i + k)
        bm = v.replacing(with: bm, where: v .< bm)
      }
      let blockMax = horizontalMax(bm)
      if blockMax > m {
        s *= exp(Double(m) - Double(blockMax))
        m = blockMax
      }
      let mv = SIMD8<Float>(repeating: m)
      for k in stride(from: 0, to: 64, by: 8) {
        let v = load(x, i + k)
        let z = v - mv
        check += z
        s += widen(expForSum(z))
        extras.add(v, at: i + k, live: 8)
      }
      extras.endBlock()
      i += 64
    }
    while i < n {
      let rest = Swift.min(8, n - i)
      let v = rest == 8 ? load(x, i) : load(x + i, count: rest, padding: -.infinity)
      let blockMax = horizontalMax(v)
      if blockMax > m {
        s *= exp(Double(m) - Double(blockMax))
        m = blockMax
      }
      let z = v - SIMD8<Float>(repeating: m)
      let mask = live(rest)
      check += SIMD8<Float>().replacing(with: z, where: mask)
      s += SIMD8<Double>().replacing(with: widen(expForSum(z)), where: liveDouble(rest))
      extras.add(v, at: i, live: rest)
      i += rest
    }
    extras.endBlock()
    return LogitRowScan(max: m, expSum: s.sum(), isFinite: allFinite(check))
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
