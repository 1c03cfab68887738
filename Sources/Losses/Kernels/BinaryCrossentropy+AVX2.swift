//===--- BinaryCrossentropy+AVX2.swift ------------------------------------===//
//
// The binary crossentropies on `_LossesAVX2`'s product-lane loops.
//
//===----------------------------------------------------------------------===//

#if arch(x86_64)
import _LossesAVX2

extension BinaryProbabilityTerm {
  /// `fastLaneSumPortable` by the AVX2 loop (`losses_avx2_binary_probability_log_sum`): the same
  /// exact factors, products, renormalization and final log, so the same bound.
  func fastLaneSumAVX2(_ y: UnsafePointer<Float>, _ p: UnsafePointer<Float>, count: Int) -> Double? {
    guard smoothing.isHard(CrossentropyMath.load(y, 0)) else { return nil }
    var logs = 0.0
    return losses_avx2_binary_probability_log_sum(y, p, count, &logs) != 0 ? -logs : nil
  }
}

extension BinaryLogitTerm {
  /// `fastLaneSumPortable` by the AVX2 and FMA loop (`losses_avx2_binary_logit_sum`): the same
  /// splits, the same `Log1pProduct` lanes and exponent bookkeeping; the fused multiply-adds
  /// (the step D + v·(1 + D), the soft labels' max(x, 0) − t·x, the polynomial) each drop a
  /// rounding from the portable bound (each term within 0.4u, the mean within 0.9 ulp).
  func fastLaneSumAVX2(_ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) -> Double? {
    var sum = 0.0
    if smoothing.isHard(CrossentropyMath.load(y, 0)),
      losses_avx2_binary_logit_sum(y, x, count, 1, 1, 0, &sum) != 0
    {
      return sum
    }
    let soft = losses_avx2_binary_logit_sum(y, x, count, 0, smoothing.scale, smoothing.shift, &sum)
    return soft != 0 ? sum : nil
  }
}
#endif
