import LossCore

// Hinge losses. Error: in lanes of 64 elements or more the terms are one product, one subtraction
// and (squared) one more product in Float, a relative error of at most about 3u each (u = 2⁻²⁴),
// summed as in LaneSum; shorter lanes are evaluated in Double (LaneSum), within 1 ULP.
extension Float32Loss {
  /// mean over the last axis of max(1 − y'·p, 0), squared when `squared`; y' = 2y − 1 when every
  /// element of `y_true` is 0 or 1 (Keras's batch-global conversion), y' = y otherwise.
  static func hinge(_ yTrue: Operand, _ yPred: Operand, squared: Bool, needsValues: Bool) throws -> PerSampleLosses {
    let isBinary = allBinary(yTrue.scalars)
    let scale = SIMD8<Float>(repeating: isBinary ? 2 : 1)
    let shift = SIMD8<Float>(repeating: isBinary ? 1 : 0)
    let one = SIMD8<Float>(repeating: 1)
    let zero = SIMD8<Float>()
    let (exactScale, exactShift) = isBinary ? (2.0, 1.0) : (1.0, 0.0)
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      LaneSum.sum(y, p, count: n) { y, p in
        let label = scale * y - shift
        let margin = Elementwise.maximum(one - label * p, zero)
        return squared ? margin * margin : margin
      } exact: { y, p in
        let difference = 1 - (exactScale * y - exactShift) * p
        let margin = difference.isNaN ? difference : Swift.max(difference, 0)
        return squared ? margin * margin : margin
      } / Double(n)
    }
  }

  /// max(max((1 − y)·p) − Σ y·p + 1, 0) over the last axis.
  static func categoricalHinge(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      let positive = LaneSum.sum(y, p, count: n) { y, p in y * p } exact: { y, p in y * p }
      let negative = Double(laneMaximum(y, p, count: n))
      let margin = negative - positive + 1
      // max(·, 0) keeping NaN (Keras's ops.maximum); ±∞ pass through as in the reference.
      return margin.isNaN ? margin : Swift.max(margin, 0)
    }
  }

  /// Whether every value is 0 or 1, eight lanes at a time.
  private static func allBinary(_ values: UnsafeBufferPointer<Float>) -> Bool {
    guard let base = values.baseAddress else { return true }
    let (zero, one) = (SIMD8<Float>(), SIMD8<Float>(repeating: 1))
    var i = 0
    while i + 8 <= values.count {
      let v = LaneSum.load(base, i)
      if any((v .!= zero) .& (v .!= one)) { return false }
      i += 8
    }
    return values[i...].allSatisfy { $0 == 0 || $0 == 1 }
  }

  /// max over the lane of (1 − y)·p, NaN when any term is NaN.
  @inline(__always)
  private static func laneMaximum(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int) -> Float {
    let one = SIMD8<Float>(repeating: 1)
    var best = SIMD8<Float>(repeating: -.infinity)
    var sawNaN = SIMDMask<SIMD8<Int32>>()
    var i = 0
    while i + 8 <= count {
      let term = (one - LaneSum.load(y, i)) * LaneSum.load(p, i)
      sawNaN .|= term .!= term
      best = best.replacing(with: term, where: term .> best)
      i += 8
    }
    var result = best.max()
    while i < count {
      let term = (1 - y[i]) * p[i]
      if term.isNaN { return .nan }
      result = Swift.max(result, term)
      i += 1
    }
    return any(sawNaN) ? .nan : result
  }
}
