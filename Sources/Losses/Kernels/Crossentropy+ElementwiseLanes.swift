//===--- Crossentropy+ElementwiseLanes.swift ------------------------------===//
//
// The lane loops of the binary crossentropies: an elementwise term, vectorised
// in Float with its per-element value in Double, averaged over each lane.
//
//===----------------------------------------------------------------------===//

/// One elementwise loss term: a fast SIMD8 evaluation for finite inputs and a
/// careful scalar one in Double that follows Keras's formula literally (for
/// lanes holding ±∞ or NaN, where the fast algebra would not propagate them
/// the way Keras does).
protocol CrossentropyElementTerm {
  /// The terms of eight elements, each rounded at most once from its Float
  /// pieces; `check` accumulates something that stays finite when the inputs
  /// are fit for the fast path.
  func terms(_ y: SIMD8<Float>, _ p: SIMD8<Float>, check: inout SIMD8<Float>) -> SIMD8<Double>
  /// One term with the reference's order of operations, in Double.
  func careful(_ y: Float, _ p: Float) -> Double
  /// Inputs for the unused lanes of a partial vector: any whose term is finite.
  var padding: (y: Float, p: Float) { get }
  /// The sum of the terms of a lane of at least 16 elements by a faster route than one term at a
  /// time, or nil where that route does not hold for the lane (the caller then sums `terms`).
  func fastLaneSum(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int) -> Double?
}

extension CrossentropyElementTerm {
  var padding: (y: Float, p: Float) { (0, 0.5) }

  func fastLaneSum(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int) -> Double? { nil }
}

/// An elementwise term written as `linear + sign·log(operand)`: a lane's logarithms then add up
/// in a `LogSumAccumulator` (the logarithm of one product) instead of one logarithm per element.
protocol LogProductSplit {
  /// How the logarithms add up (`LogProduct`: log f; `Log1pProduct`: log(1 + v)).
  associatedtype Logs: LogSumAccumulator
  /// Whether the term has a linear part (if not, `split`'s is ignored).
  static var hasLinearPart: Bool { get }
  /// The sign of the logarithm in the term: −1 (a crossentropy of probabilities) or 1.
  static var logSign: Double { get }
  /// Inputs for the unused lanes of a partial vector: any inside the domain.
  static var padding: (y: Float, p: Float) { get }
  /// The linear part and the logarithm's operand of eight elements, and what they add to
  /// `domain`: zero exactly where the split holds for the inputs (finite, in the accumulator's
  /// range), anything else (NaN included) where the lane must take its terms one by one.
  func split(
    _ y: SIMD8<Float>, _ p: SIMD8<Float>, domain: inout SIMD8<Float>
  ) -> (linear: SIMD8<Double>, operand: SIMD8<Double>)
}

extension LogProductSplit {
  /// Σ (linear + sign·log) over one lane: the linear parts summed in Double, the logarithms
  /// through one `Logs` accumulator; nil as soon as a block leaves the split's domain.
  @inline(__always)
  func logProductSum(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count n: Int) -> Double? {
    var linear = SIMD8<Double>()
    var logs = Logs()
    var domain = SIMD8<Float>()
    let vectorEnd = n - n % 8
    var i = 0
    while i < vectorEnd {
      let blockEnd = Swift.min(vectorEnd, i + 8 * LogProduct.period)
      while i < blockEnd {
        let (l, v) = split(CrossentropyMath.load(y, i), CrossentropyMath.load(p, i), domain: &domain)
        if Self.hasLinearPart { linear += l }
        logs.add(v)
        i += 8
      }
      logs.renormalize()
      if !CrossentropyMath.isZero(Elementwise.abs(domain)) { return nil }
    }
    if i < n {
      let rest = n - i
      let yv = CrossentropyMath.load(y + i, count: rest, padding: Self.padding.y)
      let pv = CrossentropyMath.load(p + i, count: rest, padding: Self.padding.p)
      let (l, v) = split(yv, pv, domain: &domain)
      let live = CrossentropyMath.liveDouble(rest)
      if Self.hasLinearPart { linear += SIMD8<Double>().replacing(with: l, where: live) }
      logs.add(Logs.identity.replacing(with: v, where: live))
      if !CrossentropyMath.isZero(Elementwise.abs(domain)) { return nil }
    }
    return linear.sum() + Self.logSign * logs.logarithm
  }
}

/// Lanes shorter than this are processed as one flat stream of SIMD8 vectors
/// and the terms are distributed to their lanes one by one.
private let shortLane = 16

extension Float32Loss {
  /// mean over `axis` of an elementwise term, into the sink the reduction needs.
  @inline(__always)
  static func elementwiseMeans<Term: CrossentropyElementTerm>(
    _ yTrue: Operand, _ yPred: Operand, axis: Int, needsValues: Bool, _ term: Term
  ) throws -> PerSampleLosses {
    try Lanes.with(yTrue, yPred, axis: axis, broadcast: false) { y, p, lanes in
      PerSampleLosses.collect(
        count: lanes.count, shape: lanes.resultShape, needsValues: needsValues,
        { sink in
          // Only the sum of the lane means is needed: short lanes (e.g. predictions of shape
          // (batch, 1)) can take the fast route as one lane, Σ means = Σ terms / length.
          let n = lanes.length
          if n < shortLane, lanes.count * n >= shortLane,
            let total = term.fastLaneSum(y, p, count: lanes.count * n)
          {
            sink.append(sum: total / Double(n), samples: lanes.count)
          } else {
            laneMeans(term, y, p, lanes, into: &sink)
          }
        },
        { sink in laneMeans(term, y, p, lanes, into: &sink) })
    }
  }

  @inline(__always)
  static func laneMeans<Term: CrossentropyElementTerm, Sink: PerSampleSink>(
    _ term: Term, _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ lanes: Lanes, into sink: inout Sink
  ) {
    let n = lanes.length
    if n >= shortLane {
      for lane in 0..<lanes.count {
        sink.append(laneMean(term, y + lane * n, p + lane * n, n))
      }
    } else {
      flatMeans(term, y, p, laneCount: lanes.count, length: n, into: &sink)
    }
  }

  /// The mean of the terms of one lane of `n` ≥ 1 elements.
  @inline(__always)
  static func laneMean<Term: CrossentropyElementTerm>(
    _ term: Term, _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ n: Int
  ) -> Double {
    if let sum = term.fastLaneSum(y, p, count: n) { return sum / Double(n) }
    var total = SIMD8<Double>()
    var check = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
      total += term.terms(CrossentropyMath.load(y, i), CrossentropyMath.load(p, i), check: &check)
      i += 8
    }
    if i < n {
      let rest = n - i
      let padding = term.padding
      let yv = CrossentropyMath.load(y + i, count: rest, padding: padding.y)
      let pv = CrossentropyMath.load(p + i, count: rest, padding: padding.p)
      let v = term.terms(yv, pv, check: &check)
      total += SIMD8<Double>().replacing(with: v, where: CrossentropyMath.liveDouble(rest))
    }
    guard CrossentropyMath.allFinite(check) else {
      var sum = 0.0
      for k in 0..<n { sum += term.careful(y[k], p[k]) }
      return sum / Double(n)
    }
    return total.sum() / Double(n)
  }

  /// Short lanes: SIMD8 over the flat buffer, each vector's terms handed to their lanes in order.
  @inline(__always)
  static func flatMeans<Term: CrossentropyElementTerm, Sink: PerSampleSink>(
    _ term: Term, _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, laneCount: Int, length n: Int,
    into sink: inout Sink
  ) {
    let total = laneCount * n
    var sum = 0.0
    var position = 0
    var i = 0
    while i < total {
      let rest = Swift.min(8, total - i)
      let padding = term.padding
      let yv = rest == 8 ? CrossentropyMath.load(y, i) : CrossentropyMath.load(y + i, count: rest, padding: padding.y)
      let pv = rest == 8 ? CrossentropyMath.load(p, i) : CrossentropyMath.load(p + i, count: rest, padding: padding.p)
      var check = SIMD8<Float>()
      var v = term.terms(yv, pv, check: &check)
      if !CrossentropyMath.allFinite(check) {
        for k in 0..<rest { v[k] = term.careful(y[i + k], p[i + k]) }
      }
      for k in 0..<rest {
        sum += v[k]
        position += 1
        if position == n {
          sink.append(sum / Double(n))
          sum = 0
          position = 0
        }
      }
      i += rest
    }
  }
}
