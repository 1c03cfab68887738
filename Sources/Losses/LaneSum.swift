import _LossesAVX2

/// Sums of per-element terms along one contiguous lane, in SIMD8 Float with Double block totals.
///
/// The terms of 64 consecutive elements are summed in four SIMD8<Float> accumulators (two terms a
/// lane each, then a three-level tree), and each block's eight partial sums are widened to Double
/// and added there. A block's rounding error is at most 3u·Σ|terms| (u = 2⁻²⁴) and, unlike a plain
/// Float loop, does not grow with the lane's length; the Double total adds at most n·2⁻⁵³·Σ|terms|.
///
/// A lane shorter than one block is summed exactly instead: each term from its inputs in Double
/// (`exact`), the sum in Double. There the Float path's few roundings would not average out (a
/// one-element MSE is the Float square of a rounded difference: up to about 2.5 ULP), while the
/// Double terms are within a few 2⁻⁵³ of the exact ones, so the result is within ½ ULP plus a
/// negligible 64·2⁻⁵³ relative before its final rounding. Short lanes are latency-bound anyway,
/// so the scalar loop costs little.
enum LaneSum {
  /// The elements per block summed in Float before widening to Double.
  static var blockLength: Int { 64 }

  /// Σ term(y[i], p[i]) for i in 0..<count.
  ///
  /// `term` must be elementwise (lane j of its result depends only on lane j of its inputs); the
  /// tail is padded with `padding` and its extra lanes are discarded, so `term(padding, padding)`
  /// may be anything, NaN included.
  /// `exact` is the same term evaluated in Double, for lanes shorter than a block.
  @inline(__always)
  static func sum(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int, padding: Float = 0,
    _ term: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>, exact: (Double, Double) -> Double
  ) -> Double {
    if count < blockLength { return exactSum(y, p, count: count, exact) }
    return sum(y, p, count: count, padding: padding, term) { y, p in block(y, p, term) }
  }

  /// `sum` for a term given as a type: its blocks run in a function of their own (see `block(_:_:_:)`).
  ///
  /// `prefetching`: operands that stream from memory (see `streamingCount`) have each block's
  /// cache lines 4 KiB ahead requested first; the hardware prefetcher alone left MSE and MAE at
  /// 84–98 % of the streaming baseline at 2²⁴ elements, 97–113 % with the hints (2 KiB ahead:
  /// the same in the default build, 81–96 % in the native one). Data in cache only pays for the
  /// extra instructions (about 10 % at 2²⁰), so it is asked for by size.
  @inline(__always)
  static func sum<Term: LaneTerm>(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int, padding: Float = 0, _: Term.Type,
    prefetching: Bool = false
  ) -> Double {
    if count < blockLength { return exactSum(y, p, count: count, Term.exact) }
    if prefetching {
      return sum(y, p, count: count, padding: padding, Term.term) { y, p in
        for line in stride(from: 1024, to: 1024 + blockLength, by: 16) {
          losses_prefetch(y + line)
          losses_prefetch(p + line)
        }
        return block(y, p, Term.self)
      }
    }
    return sum(y, p, count: count, padding: padding, Term.term) { y, p in block(y, p, Term.self) }
  }

  /// The operand size (elements of y_pred) from which `sum` prefetches: two operands of 8 MiB or
  /// more, 16 MiB together, no longer fit this machine's share of L3.
  static var streamingCount: Int { 1 << 21 }

  /// Σ exact(y[i], p[i]) for i in 0..<count, each term and the sum in Double.
  @inline(__always)
  static func exactSum(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int, _ exact: (Double, Double) -> Double
  ) -> Double {
    var total = 0.0
    for i in 0..<count { total += exact(Double(y[i]), Double(p[i])) }
    return total
  }

  /// The terms of the 64 elements at `y` and `p`: four SIMD8 accumulators of two terms a lane,
  /// a three-level tree, the eight partial sums widened (3 Float roundings a lane).
  @inline(__always)
  static func block(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>,
    _ term: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>
  ) -> SIMD4<Double> {
    var a0 = term(load(y, 0), load(p, 0))
    var a1 = term(load(y, 8), load(p, 8))
    var a2 = term(load(y, 16), load(p, 16))
    var a3 = term(load(y, 24), load(p, 24))
    a0 += term(load(y, 32), load(p, 32))
    a1 += term(load(y, 40), load(p, 40))
    a2 += term(load(y, 48), load(p, 48))
    a3 += term(load(y, 56), load(p, 56))
    return widen((a0 + a1) + (a2 + a3))
  }

  /// `block` for a term type, not inlined: inlined into the lane loop, the SLP vectorizer
  /// transposes the loaded vectors' lanes (`unpckhps` for every pair of loads, and spills) before
  /// the arithmetic of a cheap term such as (y − p)².
  @inline(never)
  static func block<Term: LaneTerm>(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _: Term.Type
  ) -> SIMD4<Double> {
    block(y, p, Term.term)
  }

  @inline(__always)
  static func sum(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int, padding: Float,
    _ term: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>,
    block: (UnsafePointer<Float>, UnsafePointer<Float>) -> SIMD4<Double>
  ) -> Double {
    var total = SIMD4<Double>()
    var i = 0
    while i + blockLength <= count {
      total += block(y + i, p + i)
      i += blockLength
    }
    while i + 8 <= count {
      total += widen(term(load(y, i), load(p, i)))
      i += 8
    }
    if i < count {
      let rest = count - i
      var yv = SIMD8<Float>(repeating: padding)
      var pv = SIMD8<Float>(repeating: padding)
      for k in 0..<rest {
        yv[k] = y[i + k]
        pv[k] = p[i + k]
      }
      let live = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int32>(repeating: Int32(rest))
      total += widen(SIMD8<Float>().replacing(with: term(yv, pv), where: live))
    }
    return total.sum()
  }

  /// The SIMD8 of Floats starting at `pointer + offset`.
  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>, _ offset: Int) -> SIMD8<Float> {
    UnsafeRawPointer(pointer + offset).loadUnaligned(as: SIMD8<Float>.self)
  }

  /// The eight lanes as four Doubles: the two halves widened and added in Double.
  @inline(__always)
  static func widen(_ v: SIMD8<Float>) -> SIMD4<Double> {
    let low = v.lowHalf
    let high = v.highHalf
    return SIMD4<Double>(Double(low[0]), Double(low[1]), Double(low[2]), Double(low[3]))
      + SIMD4<Double>(Double(high[0]), Double(high[1]), Double(high[2]), Double(high[3]))
  }
}

extension LaneSum {
  /// Three sums of per-element terms along one lane in one pass: (Σ a, Σ b, Σ c) where
  /// (a, b, c) = terms(y[i], p[i]). Each is summed as `sum` does, in blocks of 32 widened to Double.
  @inline(__always)
  static func sums(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int, padding: Float = 0,
    _ terms: (SIMD8<Float>, SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
  ) -> (Double, Double, Double) {
    var totals = (SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>())
    var i = 0
    while i + 32 <= count {
      var (a, b, c) = terms(load(y, i), load(p, i))
      for k in stride(from: 8, to: 32, by: 8) {
        let (a1, b1, c1) = terms(load(y, i + k), load(p, i + k))
        a += a1
        b += b1
        c += c1
      }
      totals.0 += widen(a)
      totals.1 += widen(b)
      totals.2 += widen(c)
      i += 32
    }
    while i < count {
      let rest = Swift.min(8, count - i)
      var yv = SIMD8<Float>(repeating: padding)
      var pv = SIMD8<Float>(repeating: padding)
      for k in 0..<rest {
        yv[k] = y[i + k]
        pv[k] = p[i + k]
      }
      let live = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int32>(repeating: Int32(rest))
      let (a, b, c) = terms(yv, pv)
      totals.0 += widen(SIMD8<Float>().replacing(with: a, where: live))
      totals.1 += widen(SIMD8<Float>().replacing(with: b, where: live))
      totals.2 += widen(SIMD8<Float>().replacing(with: c, where: live))
      i += rest
    }
    return (totals.0.sum(), totals.1.sum(), totals.2.sum())
  }
}

/// An elementwise term as a type, for `LaneSum.sum(_:_:count:padding:_:)` with a `Term.Type`.
protocol LaneTerm {
  /// Lane j of the result depends only on lane j of `y` and `p`.
  static func term(_ y: SIMD8<Float>, _ p: SIMD8<Float>) -> SIMD8<Float>
  /// The same term of one element, in Double (for lanes shorter than a block).
  static func exact(_ y: Double, _ p: Double) -> Double
}
