import LossCore

// Dice and tversky. Error: three sums of products in Float blocks widened to Double, a few u of
// Σ|terms| each, then one quotient in Double: well within 1 ULP of the result unless it cancels
// (1 − ratio near 0, a near-perfect overlap), where the bound scales with the ratio, not the result.
extension Float32Loss {
  /// 1 − 2·Σ y·p / (Σ y + Σ p + eps) over `axis` (all axes when `nil`), eps = Float(1e-7).
  static func dice(_ yTrue: Operand, _ yPred: Operand, axis: [Int]?, needsValues: Bool) throws -> PerSampleLosses {
    let epsilon = Double(Float(1e-7))
    return try overlapLosses(yTrue, yPred, axis: axis, needsValues: needsValues) { y, p, n in
      let (intersection, ySum, pSum) = LaneSum.sums(y, p, count: n) { y, p in (y * p, y, p) }
      return 1 - 2 * intersection / (ySum + pSum + epsilon)
    }
  }

  /// 1 − TP / (TP + α·FP + β·FN + eps) over `axis` (all axes when `nil`): TP = Σ y·p,
  /// FP = Σ (1 − y)·p, FN = Σ y·(1 − p), eps = Float(1e-7).
  static func tversky(
    _ yTrue: Operand, _ yPred: Operand, alpha: Float, beta: Float, axis: [Int]?, needsValues: Bool
  ) throws -> PerSampleLosses {
    let epsilon = Double(Float(1e-7))
    let one = SIMD8<Float>(repeating: 1)
    return try overlapLosses(yTrue, yPred, axis: axis, needsValues: needsValues) { y, p, n in
      let (tp, fp, fn) = LaneSum.sums(y, p, count: n) { y, p in (y * p, (one - y) * p, y * (one - p)) }
      return 1 - tp / (tp + Double(alpha) * fp + Double(beta) * fn + epsilon)
    }
  }

  /// Runs a lane kernel over the lanes of `axis` (several axes, or all when `nil`); shapes must be
  /// equal up to Keras's trailing 1.
  private static func overlapLosses(
    _ yTrue: Operand, _ yPred: Operand, axis: [Int]?, needsValues: Bool,
    _ lane: (UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Double
  ) throws -> PerSampleLosses {
    try Lanes.with(yTrue, yPred, axes: axis, broadcast: false) { y, p, lanes in
      var values = [Double]()
      values.reserveCapacity(lanes.count)
      for i in 0..<lanes.count {
        values.append(lane(y + i * lanes.length, p + i * lanes.length, lanes.length))
      }
      return .values(values, shape: lanes.resultShape, mask: nil)
    }
  }
}
