//===--- Float32Loss+SparseLabels.swift -----------------------------------===//
//
// The losses with integer class labels: sparse categorical crossentropy
// (probabilities or logits, any class axis, ignore_class) and the
// generalized crossentropy.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

extension Float32Loss {
  /// −log o_t for the labelled class t of each lane of `y_pred` along `axis`; entries labelled
  /// `ignoreClass` give 0 and are masked out of the reduction.
  ///
  /// From logits, one pass per row (`CrossentropyMath.scanLogits`: online max m and
  /// S = Σ exp(x − m), the exponentials added in Double), then `(m − x_t) + log S` in Double.
  /// From probabilities, Σp in Double and `−log clip(p_t / Σp)` by libm in Double.
  ///
  /// Error bound (u = 2⁻²⁴). Probabilities: exact to Double rounding, so the returned Float is
  /// the correctly rounded value up to ties (≤ ½ ulp). Logits: m − x_t is exact; log S is within
  /// about u·(1 + ⟨|x − m|⟩) absolute (the exponentials' < 1 ulp with independent signs, the
  /// Float rounding of x − m, both weighted by the softmax), so the loss is within ½ ulp +
  /// that absolute error: ≤ 1 ulp when the loss is at least about log S (rows that are not
  /// confidently right), and otherwise a cancellation-dependent u·(1 + ⟨|x − m|⟩)·log S / loss
  /// relative. For a confidently right row (x_t = m) the loss is log S = log1p(S − 1) with S − 1
  /// summed without the exact 1 absorbing it, so it keeps the exponentials' relative accuracy.
  ///
  /// Labels are checked before anything is computed. Rows with a non-finite logit, or whose
  /// probability sum is not finite and non-zero, use a careful Double evaluation of Keras's
  /// −Σ one_hot·log o, so a non-finite log elsewhere in the row poisons it (0·(−∞) = NaN).
  ///
  /// - Throws: as the reference: the shape errors of the lanes, `LossError.incompatibleShapes`
  ///   naming `y_true` when its shape is not `y_pred`'s less `axis` (a trailing 1 on that axis is
  ///   squeezed), `LossError.invalidValue` naming `y_true` for a label that is not an integer in
  ///   [0, C) nor `ignoreClass`.
  static func sparseCategoricalCrossentropy(
    _ yTrue: Operand, _ yPred: Operand, fromLogits: Bool, ignoreClass: Int?, axis: Int, needsValues: Bool
  ) throws -> PerSampleLosses {
    try Lanes.with(yPred, yPred, axis: axis, broadcast: false) { _, p, lanes in
      let classes = lanes.length
      let labels = try sparseLabels(yTrue, yPred, lanes: lanes, axis: axis, ignoreClass: ignoreClass)
      let row = { (lane: Int) -> Double in
        let label = labels[lane]
        guard label >= 0 else { return 0 }
        let x = p + lane * classes
        if fromLogits {
          let scan = CrossentropyMath.scanLogits(x, count: classes)
          guard scan.isFinite else { return carefulSparseRow(x, classes, label: label, fromLogits: true) }
          return (Double(scan.max) - Double(x[label])) + scan.logExpSum
        }
        let total = CrossentropyMath.doubleSum(x, count: classes)
        guard total.isFinite, total != 0 else { return carefulSparseRow(x, classes, label: label, fromLogits: false) }
        return -log(CrossentropyMath.clipProbability(Double(x[label]) / total))
      }
      if let ignoreClass {
        let mask = yTrue.scalars.map { Double($0) != Double(ignoreClass) }
        return .values((0..<lanes.count).map(row), shape: lanes.resultShape, mask: mask)
      }
      return PerSampleLosses.collect(
        count: lanes.count, shape: lanes.resultShape, needsValues: needsValues,
        { sink in for lane in 0..<lanes.count { sink.append(row(lane)) } },
        { sink in for lane in 0..<lanes.count { sink.append(row(lane)) } })
    }
  }

  /// The class index of each lane, −1 for an ignored entry; throws as the reference does.
  private static func sparseLabels(
    _ yTrue: Operand, _ yPred: Operand, lanes: Lanes, axis: Int, ignoreClass: Int?
  ) throws -> [Int] {
    var trueShape = yTrue.shape
    if trueShape.count == yPred.shape.count, let a = Shape.normalizedAxis(axis, rank: trueShape.count),
      trueShape[a] == 1
    {
      trueShape.remove(at: a)
    }
    guard trueShape == lanes.resultShape else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: "class labels need y_pred's shape without the class axis")
    }
    let classes = lanes.length
    var labels = [Int]()
    labels.reserveCapacity(yTrue.scalars.count)
    for (index, value) in yTrue.scalars.enumerated() {
      if let ignoreClass, Double(value) == Double(ignoreClass) {
        labels.append(-1)
        continue
      }
      guard value.isFinite, value.rounded() == value, value >= 0, Double(value) < Double(classes) else {
        throw LossError.invalidValue(
          argument: "y_true", index: index, value: Double(value),
          reason: "a class label must be an integer in [0, \(classes))"
            + (ignoreClass.map { " or the ignore_class \($0)" } ?? ""))
      }
      labels.append(Int(value))
    }
    return labels
  }

  /// Keras's −Σ one_hot·log o over one row, in Double (a non-finite log elsewhere poisons it).
  static func carefulSparseRow(_ x: UnsafePointer<Float>, _ n: Int, label: Int, fromLogits: Bool) -> Double {
    let logProbabilities = CrossentropyMath.carefulLogProbabilities(x, count: n, fromLogits: fromLogits)
    var sum = 0.0
    for k in 0..<n { sum += k == label ? logProbabilities[k] : 0 * logProbabilities[k] }
    return -sum
  }

  /// (1 − p_t^q) / q, p_t = Σ over the last axis of p·one_hot(y, C), no clipping.
  ///
  /// Labels of `y_pred`'s shape less the last axis (after Keras's rank alignment) take the fast
  /// path: p_t = p[label] when the row is finite (else the literal one-hot sum, where 0·∞ = NaN),
  /// and `pow` in Double. Any other shapes follow Keras literally: the one-hot labels
  /// (`y.shape + [C]`) broadcast against `y_pred`, as the reference does (e.g. C = 1 gives (B, B)).
  ///
  /// Error bound: p_t is exact and the formula is evaluated in Double by libm (< 1 ulp of Double),
  /// so the returned Float is the correctly rounded value up to ties: ≤ ½ ulp, except where
  /// 1 − p_t^q cancels (p_t near 1), where it is 2⁻⁵²·p_t^q / (1 − p_t^q) relative.
  ///
  /// - Throws: `LossError.invalidShape` naming `y_pred` without a non-empty last axis;
  ///   `LossError.incompatibleShapes` naming `y_true` when the one-hot labels do not broadcast;
  ///   `LossError.invalidValue` naming `y_true` for a label that is not an integer in [0, C).
  static func categoricalGeneralizedCrossEntropy(
    _ yTrue: Operand, _ yPred: Operand, q: Float, needsValues: Bool
  ) throws -> PerSampleLosses {
    guard let classes = yPred.shape.last, classes > 0 else {
      throw LossError.invalidShape(argument: "y_pred", shape: yPred.shape, reason: "needs a non-empty class axis")
    }
    let (trueShape, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    let oneHotShape = trueShape + [classes]
    guard let shape = Shape.broadcast(oneHotShape, predShape) else {
      throw LossError.incompatibleShapes(
        argument: "y_true", shape: yTrue.shape, other: "y_pred", otherShape: yPred.shape,
        reason: "class labels need y_pred's shape without the last axis")
    }
    for (index, value) in yTrue.scalars.enumerated()
    where !(value.isFinite && value.rounded() == value && value >= 0 && Double(value) < Double(classes)) {
      throw LossError.invalidValue(
        argument: "y_true", index: index, value: Double(value),
        reason: "a class label must be an integer in [0, \(classes))")
    }
    let qD = Double(q)
    let resultShape = Array(shape.dropLast())
    let rows = resultShape.reduce(1, *)
    let p = yPred.base
    let labels = yTrue.scalars
    let row: (Int) -> Double
    if oneHotShape == predShape {
      row = { r in
        let x = p + r * classes
        let label = Int(labels[r])
        var pt = Double(x[label])
        if !rowIsFinite(x, count: classes) {
          pt = 0
          for c in 0..<classes { pt += (c == label ? 1 : 0) * Double(x[c]) }
        }
        return (1 - pow(pt, qD)) / qD
      }
    } else {
      // Keras literally: one_hot(y) of shape y.shape + [C], times y_pred under broadcasting.
      let oneHotIndices = Shape.broadcastIndices(from: oneHotShape, to: shape)
      let predIndices = Shape.broadcastIndices(from: predShape, to: shape)
      let length = shape.last ?? 1
      row = { r in
        var pt = 0.0
        for j in r * length..<(r + 1) * length {
          let flat = oneHotIndices[j]
          let hot: Double = Double(labels[flat / classes]) == Double(flat % classes) ? 1 : 0
          pt += hot * Double(p[predIndices[j]])
        }
        return (1 - pow(pt, qD)) / qD
      }
    }
    return PerSampleLosses.collect(
      count: rows, shape: resultShape, needsValues: needsValues,
      { sink in for r in 0..<rows { sink.append(row(r)) } },
      { sink in for r in 0..<rows { sink.append(row(r)) } })
  }

  /// Whether all `n` Floats at `x` are finite.
  private static func rowIsFinite(_ x: UnsafePointer<Float>, count n: Int) -> Bool {
    var check = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
      check += CrossentropyMath.load(x, i) * 0
      i += 8
    }
    if i < n {
      check += CrossentropyMath.load(x + i, count: n - i, padding: 0) * 0
    }
    return all(check .== 0)
  }
}
