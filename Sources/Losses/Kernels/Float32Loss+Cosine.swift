import LossCore

// Cosine similarity.
extension Float32Loss {
  /// −Σ ŷ·p̂ over `axis`, each vector divided by max(‖x‖, eps), eps = Float(1e-7): computed as
  /// −Σ y·p / (max(‖y‖, eps)·max(‖p‖, eps)), the same value with one division.
  ///
  /// The three sums run in one SIMD pass; when a sum of squares overflows or falls below the normal
  /// range of Float (|x| beyond about 1e19 or below 1e-19), the lane is recomputed in Double with
  /// scaling. Error: a few u in each sum and in the quotient; where Σ y·p cancels (nearly orthogonal
  /// vectors) the error is bounded by about 4u·Σ|y·p| / (‖y‖·‖p‖), not by ULPs of the result.
  static func cosineSimilarity(_ yTrue: Operand, _ yPred: Operand, axis: Int, needsValues: Bool) throws -> PerSampleLosses {
    let epsilon = Double(Float(1e-7))
    return try laneLosses(yTrue, yPred, axis: axis, broadcast: false, needsValues: needsValues) { y, p, n in
      let (dot, yy, pp) = LaneSum.sums(y, p, count: n) { y, p in (y * p, y * y, p * p) }
      let safe = { (s: Double) in s.isFinite && (s == 0 || s >= Double(Float.leastNormalMagnitude)) }
      guard safe(yy), safe(pp), dot.isFinite else {
        return scaledCosine(y, p, count: n, epsilon: epsilon)
      }
      return -dot / (Swift.max(yy.squareRoot(), epsilon) * Swift.max(pp.squareRoot(), epsilon))
    }
  }

  /// The same value in Double, each vector scaled by its largest magnitude first.
  private static func scaledCosine(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int, epsilon: Double) -> Double {
    var (yMax, pMax) = (0.0, 0.0)
    for i in 0..<count {
      if y[i].isNaN || p[i].isNaN { return .nan }
      yMax = Swift.max(yMax, Double(Swift.abs(y[i])))
      pMax = Swift.max(pMax, Double(Swift.abs(p[i])))
    }
    guard yMax.isFinite, pMax.isFinite else { return .nan }
    let (ys, ps) = (yMax > 0 ? yMax : 1, pMax > 0 ? pMax : 1)
    var (dot, yy, pp) = (0.0, 0.0, 0.0)
    for i in 0..<count {
      let (a, b) = (Double(y[i]) / ys, Double(p[i]) / ps)
      dot += a * b
      yy += a * a
      pp += b * b
    }
    return -(dot * ys * ps) / (Swift.max(yy.squareRoot() * ys, epsilon) * Swift.max(pp.squareRoot() * ps, epsilon))
  }
}
