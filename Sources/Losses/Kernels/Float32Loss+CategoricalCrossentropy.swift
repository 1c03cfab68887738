//===--- Float32Loss+CategoricalCrossentropy.swift ------------------------===//
//
// Categorical crossentropy (probabilities and logits) and categorical focal
// crossentropy over one class axis.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

extension Float32Loss {
  /// −Σ over `axis` of t·log o: o = clip(p / Σp, eps, 1 − eps) from probabilities, o = softmax(x)
  /// from logits; t = y·(1 − ls) + ls/C with C the extent of `axis` in `y_pred`.
  ///
  /// From logits, the row scan gives m = max x and S − 1 = Σ exp(x − m) − 1
  /// (`CrossentropyMath.scanLogits`), and a second pass over the row (in L1) the label sums
  /// Y = Σy, A = Σ y·(m − x), B = Σ (m − x) (`CategoricalLabelSums`). With lse = m + log S,
  /// ```
  /// Σ t·(lse − x) = (1 − ls)·(Y·log S + A) + (ls/C)·(C·log S + B)
  /// ```
  /// a sum of non-negative parts for labels y ≥ 0, evaluated in Double (log S = log1p(S − 1)
  /// by libm). From probabilities, Σp is summed in Double, and only the vectors holding a non-zero
  /// t take logs: o = p / Σp in Double, split into Float hi + lo for the log core.
  ///
  /// Error bound (u = 2⁻²⁴). Logits: S − 1 carries the exponentials' < 1 ulp relative (the
  /// maximum's own term is taken out exactly), so log S is within u·S_rel absolute with
  /// S_rel = (S − 1)/S ≤ 1, and keeps the relative accuracy of S − 1 for a confident row; A and B
  /// are within 9u relative (u for one-hot labels, see `CategoricalLabelSums`). Every part is
  /// non-negative for y ≥ 0, so the loss is within ½ ulp (final rounding) + u·Y absolute + the
  /// relative error of A (one-hot: ≤ 1.5 ulp, ≤ 1 ulp once the loss is ≳ 2Y; measured ≤ 1 ulp
  /// on soft labels too). Labels of mixed signs cancel: then the bound is 9u·(Y·log S +
  /// Σ|y|·(m − x)) absolute. Probabilities: each log is within 0.3u relative of the log of the
  /// exactly renormalised o (`CrossentropyMath.logOfDouble`), the products and sums in Double, the
  /// terms non-negative: within 0.3 ulp + ½ ulp of rounding.
  ///
  /// Rows with a non-finite logit, or whose probability sum is not finite and non-zero (an
  /// all-zero row gives 0/0 = NaN), are evaluated by a careful Double loop that follows Keras's
  /// formula, so NaN and ±∞ propagate as in the reference.
  static func categoricalCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, fromLogits: Bool, labelSmoothing: Float, axis: Int, needsValues: Bool
  ) throws -> PerSampleLosses {
    let ls = Double(labelSmoothing)
    if fromLogits {
      return try rowLosses(yTrue, yPred, axis: axis, needsValues: needsValues) { y, x, n, _ in
        let (scan, labelSums) = CategoricalLabelSums.scan(y, x, count: n, withGaps: ls != 0)
        guard scan.isFinite, let sums = labelSums else {
          return carefulCategoricalRow(y, x, n, labelSmoothing: ls, fromLogits: true)
        }
        guard sums.labels.isFinite, sums.labelledGaps.isFinite else {
          return carefulCategoricalRow(y, x, n, labelSmoothing: ls, fromLogits: true)
        }
        let logS = scan.logExpSum
        let base = sums.labels * logS + sums.labelledGaps
        guard ls != 0 else { return base }
        let c = Double(n)
        return (1 - ls) * base + (ls / c) * (c * logS + sums.gaps)
      }
    }
    return try rowLosses(yTrue, yPred, axis: axis, needsValues: needsValues) { y, p, n, _ in
      let total = CrossentropyMath.doubleSum(p, count: n)
      guard total.isFinite, total != 0 else {
        return carefulCategoricalRow(y, p, n, labelSmoothing: ls, fromLogits: false)
      }
      let smoothing = CategoricalSmoothing(ls, classes: n)
      var sum = SIMD8<Double>()
      var i = 0
      while i < n {
        let rest = Swift.min(8, n - i)
        let yv = rest == 8 ? CrossentropyMath.load(y, i) : CrossentropyMath.load(y + i, count: rest, padding: 0)
        if smoothing.isOff && CrossentropyMath.isZero(Elementwise.abs(yv)) {
          i += rest
          continue
        }
        let pv = rest == 8 ? CrossentropyMath.load(p, i) : CrossentropyMath.load(p + i, count: rest, padding: 0)
        let o = CrossentropyMath.clipProbability(CrossentropyMath.widen(pv) / total)
        let term = smoothing(CrossentropyMath.widen(yv)) * CrossentropyMath.logOfDouble(o)
        sum += SIMD8<Double>().replacing(with: term, where: CrossentropyMath.liveDouble(rest))
        i += rest
      }
      return -sum.sum()
    }
  }

  /// Σ over `axis` of α_c·(1 − o_c)^γ · (−t_c·log o_c), o = clip(p / Σp) with p = softmax(x) from
  /// logits; α one value, or one per class along the *last* axis.
  ///
  /// Probabilities as in `categoricalCrossentropy`; (1 − o) is exact in Double. From logits, three
  /// passes over the row (max; S = Σ e^(x − m) with the Float exponentials added in Double; the
  /// terms): o = e/S, log o = (x − m) − log S and 1 − o = (S − e)/S in Double, so neither
  /// cancels for a confident class; clipped classes take Keras's constants.
  ///
  /// Error bound: each term is a product of non-negative factors: log o within 0.3u relative
  /// (probabilities) or the log S error of `categoricalCrossentropy` (logits, absolute, relative
  /// to −log o); (1 − o)^γ within γ·u relative from logits (exact from probabilities); products
  /// and sums in Double. Within 0.8 ulp from probabilities; from logits (1 − o)^γ = ((S − e)/S)^γ
  /// carries γ times the exponentials' error, so within (1.5 + γ) ulp (measured: 2 ulp at γ = 2 on
  /// a confident 5-class row, ≤ 1 otherwise).
  ///
  /// - Throws: `LossError.invalidOption` naming `alpha` when it holds neither one value nor one
  ///   per entry of the last axis.
  static func categoricalFocalCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, alpha: [Float], gamma: Float, fromLogits: Bool, labelSmoothing: Float,
    axis: Int, needsValues: Bool
  ) throws -> PerSampleLosses {
    let shape = Shape.alignRanks(yTrue.shape, yPred.shape).1
    let lastExtent = shape.last ?? 1
    let alphas = alpha.map(Double.init)
    let isLastAxis = Shape.normalizedAxis(axis, rank: shape.count) == shape.count - 1
    let ls = Double(labelSmoothing)
    let check: (Lanes) throws -> Void = { _ in
      guard alpha.count == 1 || alpha.count == lastExtent else {
        throw LossError.invalidOption(
          name: "alpha", value: "\(alpha.count) values",
          expected: "one value, or one per entry of the last axis (\(lastExtent))")
      }
    }
    return try alphas.withUnsafeBufferPointer { alphas in
      try rowLosses(yTrue, yPred, axis: axis, needsValues: needsValues, prepare: check) { y, p, n, lane in
        let focal = CategoricalFocal(
          alphas: alphas, perClass: alphas.count > 1 && isLastAxis,
          laneAlpha: alphas.count == 1 ? alphas[0] : alphas[lane % lastExtent], gamma: gamma,
          smoothing: CategoricalSmoothing(ls, classes: n))
        return fromLogits ? focal.logitRow(y, p, n) : focal.probabilityRow(y, p, n)
      }
    }
  }

  /// The careful Double evaluation of one categorical crossentropy row, Keras's formula literally.
  static func carefulCategoricalRow(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ n: Int, labelSmoothing: Double, fromLogits: Bool
  ) -> Double {
    let logProbabilities = CrossentropyMath.carefulLogProbabilities(p, count: n, fromLogits: fromLogits)
    let smoothing = CategoricalSmoothing(labelSmoothing, classes: n)
    var sum = 0.0
    for k in 0..<n { sum += smoothing(Double(y[k])) * logProbabilities[k] }
    return -sum
  }
}

/// Categorical label smoothing, t = y·(1 − ls) + ls/C in Double (y when ls is 0).
struct CategoricalSmoothing {
  let isOff: Bool
  let scale: Double
  let shift: Double

  init(_ labelSmoothing: Double, classes: Int) {
    isOff = labelSmoothing == 0
    scale = 1 - labelSmoothing
    shift = labelSmoothing / Double(classes)
  }

  @inline(__always)
  func callAsFunction(_ y: SIMD8<Double>) -> SIMD8<Double> {
    isOff ? y : y * scale + shift
  }

  @inline(__always)
  func callAsFunction(_ y: Double) -> Double {
    isOff ? y : y * scale + shift
  }
}

/// The label sums of the categorical crossentropy from logits: Y = Σy, A = Σ y·(m − x) and
/// B = Σ (m − x) (only with label smoothing), in a pass of their own once m is known (the row is
/// in L1 after the scan; fused into the exponentials' loop they made SSE2 spill its registers).
/// Each lane sums its eight terms of a block of 64 in Float, then in Double across blocks and
/// lanes. Every term of A and B has one sign (for y ≥ 0), so neither cancels: m − x and the
/// product round (2u), then at most seven Float additions a lane and block (7u): ≤ 9u relative
/// in the worst case, far less in practice (the roundings are independent), and ≤ u for the
/// one-hot labels of the common case (one term: only m − x rounds).
struct CategoricalLabelSums {
  var labels = 0.0
  var labelledGaps = 0.0
  var gaps = 0.0

  /// Sums computed elsewhere (`CrossentropyMath.scanCategoricalLogitsAVX2`).
  init(labels: Double, labelledGaps: Double, gaps: Double) {
    self.labels = labels
    self.labelledGaps = labelledGaps
    self.gaps = gaps
  }

  /// The logits scan of one row and, for a finite row, its label sums: by
  /// `CrossentropyMath.scanCategoricalLogitsAVX2` (one loop for both) where
  /// `InstructionSet.selected` allows, else `scanLogitsPortable` and `init`.
  @inline(__always)
  static func scan(
    _ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count n: Int, withGaps: Bool
  ) -> (LogitRowScan, CategoricalLabelSums?) {
    #if arch(x86_64)
    if InstructionSet.selected == .avx2FMA && n > 0 {
      return CrossentropyMath.scanCategoricalLogitsAVX2(y, x, count: n, withGaps: withGaps)
    }
    #endif
    let scan = CrossentropyMath.scanLogitsPortable(x, count: n)
    guard scan.isFinite else { return (scan, nil) }
    return (scan, CategoricalLabelSums(y, x, count: n, max: scan.max, withGaps: withGaps))
  }

  /// The sums of one row in Swift SIMD.
  @inline(__always)
  init(_ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count n: Int, max m: Float, withGaps: Bool) {
    let mv = SIMD8<Float>(repeating: m)
    var labelTotals = SIMD8<Double>()
    var labelledGapTotals = SIMD8<Double>()
    var gapTotals = SIMD8<Double>()
    var i = 0
    while i < n {
      let end = Swift.min(n, i + 64)
      var blockLabels = SIMD8<Float>()
      var blockLabelledGaps = SIMD8<Float>()
      var blockGaps = SIMD8<Float>()
      while i < end {
        let rest = Swift.min(8, end - i)
        let yv = rest == 8 ? CrossentropyMath.load(y, i) : CrossentropyMath.load(y + i, count: rest, padding: 0)
        let gap = mv - (rest == 8 ? CrossentropyMath.load(x, i) : CrossentropyMath.load(x + i, count: rest, padding: m))
        blockLabels += yv
        blockLabelledGaps += yv * gap
        if withGaps { blockGaps += gap }
        i += rest
      }
      labelTotals += CrossentropyMath.widen(blockLabels)
      labelledGapTotals += CrossentropyMath.widen(blockLabelledGaps)
      if withGaps { gapTotals += CrossentropyMath.widen(blockGaps) }
    }
    labels = labelTotals.sum()
    labelledGaps = labelledGapTotals.sum()
    gaps = gapTotals.sum()
  }
}

/// One categorical focal row's options and its two evaluations.
struct CategoricalFocal {
  let alphas: UnsafeBufferPointer<Double>
  /// Whether α varies along the row (the class axis is the last axis and α has one value per class).
  let perClass: Bool
  /// α for the whole row otherwise.
  let laneAlpha: Double
  let gamma: Float
  let smoothing: CategoricalSmoothing

  @inline(__always)
  func alpha(at offset: Int, live: Int) -> SIMD8<Double> {
    guard perClass else { return SIMD8<Double>(repeating: laneAlpha) }
    var a = SIMD8<Double>()
    for k in 0..<live { a[k] = alphas[offset + k] }
    return a
  }

  /// From probabilities.
  func probabilityRow(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ n: Int) -> Double {
    let total = CrossentropyMath.doubleSum(p, count: n)
    guard total.isFinite, total != 0 else { return carefulRow(y, p, n, fromLogits: false) }
    var sum = SIMD8<Double>()
    var i = 0
    while i < n {
      let rest = Swift.min(8, n - i)
      let yv = rest == 8 ? CrossentropyMath.load(y, i) : CrossentropyMath.load(y + i, count: rest, padding: 0)
      if smoothing.isOff && CrossentropyMath.isZero(Elementwise.abs(yv)) {
        i += rest
        continue
      }
      let pv = rest == 8 ? CrossentropyMath.load(p, i) : CrossentropyMath.load(p + i, count: rest, padding: 0)
      let o = CrossentropyMath.clipProbability(CrossentropyMath.widen(pv) / total)
      let t = smoothing(CrossentropyMath.widen(yv))
      let w = alpha(at: i, live: rest) * CrossentropyMath.power(1 - o, gamma)
      let term = w * (-t * CrossentropyMath.logOfDouble(o))
      sum += SIMD8<Double>().replacing(with: term, where: CrossentropyMath.liveDouble(rest))
      i += rest
    }
    return sum.sum()
  }

  /// From logits: softmax, renormalise, clip.
  func logitRow(_ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) -> Double {
    var mv = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i < n {
      let rest = Swift.min(8, n - i)
      let v = rest == 8 ? CrossentropyMath.load(x, i) : CrossentropyMath.load(x + i, count: rest, padding: -.infinity)
      mv = mv.replacing(with: v, where: mv .< v)
      i += rest
    }
    let m = CrossentropyMath.horizontalMax(mv)
    let mSplat = SIMD8<Float>(repeating: m)
    var s = SIMD8<Double>()
    var check = SIMD8<Float>()
    i = 0
    while i < n {
      let rest = Swift.min(8, n - i)
      let v = rest == 8 ? CrossentropyMath.load(x, i) : CrossentropyMath.load(x + i, count: rest, padding: -.infinity)
      let z = v - mSplat
      check += SIMD8<Float>().replacing(with: z, where: CrossentropyMath.live(rest))
      s += SIMD8<Double>().replacing(
        with: CrossentropyMath.widen(CrossentropyMath.expForSum(v, minus: mSplat)), where: CrossentropyMath.liveDouble(rest))
      i += rest
    }
    guard CrossentropyMath.allFinite(check) else { return carefulRow(y, x, n, fromLogits: true) }
    let total = s.sum()
    let logTotal = log(total)
    let eps = Double(CrossentropyMath.epsilon)
    let oneMinusEps = Double(CrossentropyMath.oneMinusEpsilon)
    var sum = SIMD8<Double>()
    i = 0
    while i < n {
      let rest = Swift.min(8, n - i)
      let yv = rest == 8 ? CrossentropyMath.load(y, i) : CrossentropyMath.load(y + i, count: rest, padding: 0)
      if smoothing.isOff && CrossentropyMath.isZero(Elementwise.abs(yv)) {
        i += rest
        continue
      }
      let v = rest == 8 ? CrossentropyMath.load(x, i) : CrossentropyMath.load(x + i, count: rest, padding: m)
      let e = CrossentropyMath.widen(CrossentropyMath.expForSum(v, minus: mSplat))
      let o = e / total
      let low = o .< eps
      let high = o .> oneMinusEps
      let logO = (CrossentropyMath.widen(v) - Double(m) - logTotal)
        .replacing(with: CrossentropyMath.logEpsilon, where: low)
        .replacing(with: CrossentropyMath.logOneMinusEpsilon, where: high)
      let oneMinusO = ((total - e) / total)
        .replacing(with: 1 - eps, where: low)
        .replacing(with: 1 - oneMinusEps, where: high)
      let t = smoothing(CrossentropyMath.widen(yv))
      let w = alpha(at: i, live: rest) * CrossentropyMath.power(oneMinusO, gamma)
      let term = w * (-t * logO)
      sum += SIMD8<Double>().replacing(with: term, where: CrossentropyMath.liveDouble(rest))
      i += rest
    }
    return sum.sum()
  }

  /// Keras's formula literally, in Double.
  func carefulRow(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ n: Int, fromLogits: Bool) -> Double {
    let row = fromLogits
      ? CrossentropyMath.carefulLogSoftmax(p, count: n).map { exp($0) } : (0..<n).map { Double(p[$0]) }
    var total = 0.0
    for v in row { total += v }
    var sum = 0.0
    for k in 0..<n {
      let o = CrossentropyMath.clipProbability(row[k] / total)
      let a = perClass ? alphas[k] : laneAlpha
      sum += a * CrossentropyMath.power(1 - o, gamma) * (-smoothing(Double(y[k])) * log(o))
    }
    return sum
  }
}
