import LossCore

// The fused path, for the losses and layouts it covers (see `Float32Loss`'s gradient
// documentation): no forward pass before the gradient. MSE and the categorical rows give value and
// gradient in one pass; KL divergence and binary crossentropy run their gradient alone in one flat
// loop (no logarithm: a division, clips, and for logits one exp) and, when the value is wanted, the
// forward kernel for it: a single loop holding the value's two logarithms and the gradient measured
// 5-8 times slower than the two loops (the calls spill the SIMD registers of the blocks in flight).
// It validates its inputs itself, exactly where the forward kernels would throw, and returns nil to
// hand anything else to the general path.
extension Float32Loss {
  /// The per-sample losses (a placeholder sum when `wantValue` is false) with the gradient in
  /// `out`, or nil when this input is not for the fused path.
  static func fusedGradient(
    _ loss: Loss, _ yTrue: Operand, _ yPred: Operand, _ reduction: Reduction, _ out: UnsafeMutableBufferPointer<Float>,
    wantValue: Bool
  ) throws -> PerSampleLosses? {
    let shape = yPred.shape
    guard let n = shape.last, n > 0, !yPred.scalars.isEmpty else { return nil }
    let rows = yPred.scalars.count / n
    let resultShape = Array(shape.dropLast())
    let lastAxis = { (axis: Int) in Shape.normalizedAxis(axis, rank: shape.count) == shape.count - 1 }
    let g = reduction == .none || reduction == .sum || resultShape.isEmpty ? 1 : 1 / Double(rows)
    let values = reduction == .none
    let y = yTrue.base
    let p = yPred.base
    let o = out.baseAddress!
    switch loss {
    case .meanSquaredError:
      guard yTrue.shape == shape else { return nil }
      return FusedGradient.elementwise(
        y, p, o, rows: rows, length: n, scale: Float(2 * g / Double(n)), divisor: Double(n), resultShape, values,
        wantValue, { y, p, s in s * (p - y) }, ElementwiseGradient.meanSquaredErrorTerm, exact: SquaredDifference.exact)
    case .klDivergence:
      guard yTrue.shape == shape else { return nil }
      FusedGradient.flat(y, p, o, count: rows * n, scale: Float(g), ElementwiseGradient.klDivergenceDerivative)
      return try wantValue ? perSampleLosses(loss, yTrue, yPred, needsValues: values) : .sum(0, count: rows, shape: resultShape)
    case .binaryCrossentropy(let fromLogits, let labelSmoothing, let axis):
      guard yTrue.shape == shape, lastAxis(axis) else { return nil }
      let ls = Float(labelSmoothing)
      let scale = Float(g / Double(n))
      if fromLogits {
        FusedGradient.flat(y, p, o, count: rows * n, scale: scale) { y, x, s in
          ElementwiseGradient.binaryLogitsDerivative(ElementwiseGradient.smoothed(y, ls), x, s)
        }
      } else {
        FusedGradient.flat(y, p, o, count: rows * n, scale: scale) { y, p, s in
          ElementwiseGradient.binaryProbabilityDerivative(ElementwiseGradient.smoothed(y, ls), p, s)
        }
      }
      return try wantValue ? perSampleLosses(loss, yTrue, yPred, needsValues: values) : .sum(0, count: rows, shape: resultShape)
    case .categoricalCrossentropy(let fromLogits, let labelSmoothing, let axis):
      guard yTrue.shape == shape, lastAxis(axis) else { return nil }
      let ls = Float(labelSmoothing)
      return FusedGradient.rows(rows: rows, resultShape, values, wantValue) { r, wantValue in
        CategoricalGradient.row(
          targets: y + r * n, label: -1, p + r * n, n, smoothing: ls, fromLogits: fromLogits, upstream: g, o + r * n,
          wantValue: wantValue)
      }
    case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, let axis):
      guard ignoreClass == nil, lastAxis(axis), yTrue.shape == resultShape || yTrue.shape == resultShape + [1] else {
        return nil
      }
      for (index, value) in yTrue.scalars.enumerated()
      where !(value.isFinite && value.rounded() == value && value >= 0 && Double(value) < Double(n)) {
        throw LossError.invalidValue(
          argument: "y_true", index: index, value: Double(value), reason: "a class label must be an integer in [0, \(n))")
      }
      return FusedGradient.rows(rows: rows, resultShape, values, wantValue) { r, wantValue in
        CategoricalGradient.row(
          targets: nil, label: Int(y[r]), p + r * n, n, smoothing: 0, fromLogits: fromLogits, upstream: g, o + r * n,
          wantValue: wantValue)
      }
    default:
      return nil
    }
  }
}

/// The fused loops.
enum FusedGradient {
  /// The gradient of an elementwise loss under one scale, as one flat loop over all elements.
  @inline(__always)
  static func flat(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, scale: Float,
    _ derivative: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>
  ) {
    let s = SIMD8<Float>(repeating: scale)
    GradientSIMD.map(y, p, out, count: count) { derivative($0, $1, s) }
  }

  /// An elementwise loss reduced along the last axis: `term(y, p, s)` gives each element's loss
  /// term and its gradient (s the uniform scale), `derivative` the gradient alone (the same
  /// arithmetic, so both paths give the same bits). Without `wantValue` one flat gradient loop;
  /// with it, lane by lane, the terms summed exactly as `LaneSum.sum` sums them (64-element Float
  /// blocks, Double totals; `exact` in Double for lanes shorter than a block), so a term equal to
  /// the forward kernel's gives its value bit for bit.
  @inline(__always)
  static func elementwise(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, length n: Int,
    scale: Float, divisor: Double, _ resultShape: [Int], _ needsValues: Bool, _ wantValue: Bool,
    _ derivative: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>,
    _ term: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>),
    exact: (Double, Double) -> Double
  ) -> PerSampleLosses {
    let s = SIMD8<Float>(repeating: scale)
    guard wantValue else {
      GradientSIMD.map(y, p, out, count: rows * n) { derivative($0, $1, s) }
      return .sum(0, count: rows, shape: resultShape)
    }
    return PerSampleLosses.collect(
      count: rows, shape: resultShape, needsValues: needsValues,
      { sink in
        for r in 0..<rows { sink.append(lane(y + r * n, p + r * n, out + r * n, n, s, term, exact) / divisor) }
      },
      { sink in
        for r in 0..<rows { sink.append(lane(y + r * n, p + r * n, out + r * n, n, s, term, exact) / divisor) }
      })
  }

  /// One lane: stores the gradient, returns Σ terms (summed as `LaneSum.sum`).
  @inline(__always)
  static func lane(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int,
    _ s: SIMD8<Float>, _ term: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>),
    _ exact: (Double, Double) -> Double
  ) -> Double {
    typealias V = GradientSIMD
    var total = SIMD4<Double>()
    var i = 0
    while i + 64 <= count {
      let r0 = term(V.load(y, i), V.load(p, i), s)
      var a0 = r0.0
      V.store(r0.1, out, i)
      let r1 = term(V.load(y, i + 8), V.load(p, i + 8), s)
      var a1 = r1.0
      V.store(r1.1, out, i + 8)
      let r2 = term(V.load(y, i + 16), V.load(p, i + 16), s)
      var a2 = r2.0
      V.store(r2.1, out, i + 16)
      let r3 = term(V.load(y, i + 24), V.load(p, i + 24), s)
      var a3 = r3.0
      V.store(r3.1, out, i + 24)
      let (b0, h0) = term(V.load(y, i + 32), V.load(p, i + 32), s)
      V.store(h0, out, i + 32)
      let (b1, h1) = term(V.load(y, i + 40), V.load(p, i + 40), s)
      V.store(h1, out, i + 40)
      let (b2, h2) = term(V.load(y, i + 48), V.load(p, i + 48), s)
      V.store(h2, out, i + 48)
      let (b3, h3) = term(V.load(y, i + 56), V.load(p, i + 56), s)
      V.store(h3, out, i + 56)
      a0 += b0
      a1 += b1
      a2 += b2
      a3 += b3
      total += LaneSum.widen((a0 + a1) + (a2 + a3))
      i += 64
    }
    while i + 8 <= count {
      let (a, g) = term(V.load(y, i), V.load(p, i), s)
      V.store(g, out, i)
      total += LaneSum.widen(a)
      i += 8
    }
    if i < count {
      let rest = count - i
      let (a, g) = term(V.load(y, i, count: rest, padding: 0), V.load(p, i, count: rest, padding: 0), s)
      V.store(g, out, i, count: rest)
      total += LaneSum.widen(SIMD8<Float>().replacing(with: a, where: V.live(rest)))
    }
    // A lane shorter than a block has its value from the Double terms, as `LaneSum.sum` gives it.
    return count < LaneSum.blockLength ? LaneSum.exactSum(y, p, count: count, exact) : total.sum()
  }

  /// A row kernel over `rows` rows: `row(r, wantValue)` writes row r's gradient and returns its
  /// loss when asked.
  @inline(__always)
  static func rows(
    rows: Int, _ resultShape: [Int], _ needsValues: Bool, _ wantValue: Bool, _ row: (Int, Bool) -> Double
  ) -> PerSampleLosses {
    guard wantValue else {
      for r in 0..<rows { _ = row(r, false) }
      return .sum(0, count: rows, shape: resultShape)
    }
    return PerSampleLosses.collect(
      count: rows, shape: resultShape, needsValues: needsValues,
      { sink in for r in 0..<rows { sink.append(row(r, true)) } },
      { sink in for r in 0..<rows { sink.append(row(r, true)) } })
  }
}
