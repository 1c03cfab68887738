import LossCore
import _LossesAVX2

// The losses that average an elementwise error over the last axis.
//
// Error of each. Lanes shorter than 64 elements: terms and sum in Double (LaneSum), within ½ ULP
// plus about 2⁻⁴⁶ relative before the final rounding, so within 1 ULP. Longer lanes: the term is
// computed in Float (a subtraction and one or two products or a division, each rounded to within
// u = 2⁻²⁴), so each term carries a relative error of at most about 3u; LaneSum adds at most
// 3u·Σ|terms| per block and the Double totals are exact to 2⁻⁵³. The terms are non-negative, so
// Σ|terms| is the result itself: the returned value is within about 6u relative of the exact value
// before its final rounding (≤ 6.5 ULP in the worst case), and the rounding errors of many random
// terms cancel on average, so typical results are within 1 ULP.
extension Float32Loss {
  /// Runs a lane kernel over contiguous lanes into the sink the reduction needs.
  @inline(__always)
  static func laneLosses(
    _ yTrue: Operand, _ yPred: Operand, axis: Int = -1, broadcast: Bool, needsValues: Bool,
    _ lane: (UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Double
  ) throws -> PerSampleLosses {
    try Lanes.with(yTrue, yPred, axis: axis, broadcast: broadcast) { y, p, lanes in
      PerSampleLosses.collect(
        count: lanes.count, shape: lanes.resultShape, needsValues: needsValues,
        { sink in
          for i in 0..<lanes.count {
            sink.append(lane(y + i * lanes.length, p + i * lanes.length, lanes.length))
          }
        },
        { sink in
          for i in 0..<lanes.count {
            sink.append(lane(y + i * lanes.length, p + i * lanes.length, lanes.length))
          }
        })
    }
  }

  /// mean over the last axis of (y − p)².
  static func meanSquaredError(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    let streaming = yPred.scalars.count >= LaneSum.streamingCount
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      differenceSum(y, p, count: n, absolute: false, prefetching: streaming) / Double(n)
    }
  }

  /// mean over the last axis of |y − p|.
  static func meanAbsoluteError(_ yTrue: Operand, _ yPred: Operand, needsValues: Bool) throws -> PerSampleLosses {
    let streaming = yPred.scalars.count >= LaneSum.streamingCount
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      differenceSum(y, p, count: n, absolute: true, prefetching: streaming) / Double(n)
    }
  }

  /// `LaneSum.sum` over `AbsoluteDifference` (`absolute`) or `SquaredDifference`: for a lane of a
  /// block or more, by the AVX2 and FMA loop (`losses_avx2_difference_sum`, the same blocks) where
  /// `InstructionSet.selected` allows. `prefetching` is for the portable loop: the AVX2 loop keeps
  /// up with memory without the hints (at 2²⁴ elements they cost it 5–10 % of the baseline).
  @inline(__always)
  static func differenceSum(
    _ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count n: Int, absolute: Bool, prefetching: Bool
  ) -> Double {
    #if arch(x86_64)
    if InstructionSet.selected == .avx2FMA && n >= LaneSum.blockLength {
      return losses_avx2_difference_sum(y, p, n, absolute ? 1 : 0)
    }
    #endif
    return absolute
      ? LaneSum.sum(y, p, count: n, AbsoluteDifference.self, prefetching: prefetching)
      : LaneSum.sum(y, p, count: n, SquaredDifference.self, prefetching: prefetching)
  }

  /// 100 · mean over the last axis of |(y − p) / max(|y|, eps)|, eps = Float(1e-7).
  static func meanAbsolutePercentageError(
    _ yTrue: Operand, _ yPred: Operand, needsValues: Bool
  ) throws -> PerSampleLosses {
    let epsilon = SIMD8<Float>(repeating: Float(1e-7))
    let exactEpsilon = Double(Float(1e-7))
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      let sum = LaneSum.sum(y, p, count: n) { y, p in
        Elementwise.abs((y - p) / Elementwise.maximum(Elementwise.abs(y), epsilon))
      } exact: { y, p in
        let denominator = y.isNaN ? y : Swift.max(Swift.abs(y), exactEpsilon)
        return Swift.abs((y - p) / denominator)
      }
      return 100 * sum / Double(n)
    }
  }

  /// mean over the last axis of ½e² where |e| ≤ δ, else δ·|e| − ½δ², e = p − y.
  static func huber(_ yTrue: Operand, _ yPred: Operand, delta: Float, needsValues: Bool) throws -> PerSampleLosses {
    let d = SIMD8<Float>(repeating: delta)
    let halfDeltaSquared = SIMD8<Float>(repeating: 0.5 * delta * delta)
    let exactDelta = Double(delta)
    return try laneLosses(yTrue, yPred, broadcast: true, needsValues: needsValues) { y, p, n in
      LaneSum.sum(y, p, count: n) { y, p in
        let e = p - y
        let a = Elementwise.abs(e)
        let quadratic = 0.5 * e * e
        let linear = d * a - halfDeltaSquared
        return linear.replacing(with: quadratic, where: a .<= d).replacing(with: a, where: a .!= a)
      } exact: { y, p in
        let a = Swift.abs(p - y)
        if a.isNaN { return a }
        return a <= exactDelta ? 0.5 * a * a : exactDelta * a - 0.5 * exactDelta * exactDelta
      } / Double(n)
    }
  }
}

/// (y − p)², the term of the mean squared error.
enum SquaredDifference: LaneTerm {
  @inline(__always)
  static func term(_ y: SIMD8<Float>, _ p: SIMD8<Float>) -> SIMD8<Float> {
    let d = y - p
    return d * d
  }

  @inline(__always)
  static func exact(_ y: Double, _ p: Double) -> Double {
    let d = y - p
    return d * d
  }
}

/// |y − p|, the term of the mean absolute error.
enum AbsoluteDifference: LaneTerm {
  @inline(__always)
  static func term(_ y: SIMD8<Float>, _ p: SIMD8<Float>) -> SIMD8<Float> {
    Elementwise.abs(y - p)
  }

  @inline(__always)
  static func exact(_ y: Double, _ p: Double) -> Double {
    Swift.abs(y - p)
  }
}
