//===--- Crossentropy+AVX2.swift ------------------------------------------===//
//
// The row scans of the logits crossentropies on `_LossesAVX2`'s loops.
//
//===----------------------------------------------------------------------===//

#if arch(x86_64)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _LossesAVX2

extension CrossentropyMath {
  /// `scanLogits` by the AVX2 and FMA loops: the maximum (and finiteness) in one pass, then the
  /// exponentials of `expShifted`'s form summed in Double in a second, for a row of any length
  /// (two passes from L2 cost less than the rescaling of the portable long-row path). The
  /// maximum's computed term is replaced by its exact value as there.
  static func scanLogitsAVX2(_ x: UnsafePointer<Float>, count n: Int) -> LogitRowScan {
    var finite: Int32 = 0
    let m = losses_avx2_row_max(x, n, &finite)
    guard finite != 0 else { return LogitRowScan(max: m, excess: .nan, isFinite: false) }
    let shift = LogitShift(max: m)
    let sum = losses_avx2_shifted_exp_sum(x, n, shift.offset, shift.floor, shift.bias)
    let maxTerm = Double(losses_avx2_shifted_exp(m, shift.offset, shift.floor, shift.bias))
    let exactMaxTerm = exp(Double(m) - shift.total)
    return LogitRowScan(max: m, excess: (sum - maxTerm) / exactMaxTerm, isFinite: true)
  }
}

extension CategoricalLabelSums {
  /// The label sums by the AVX2 and FMA loop: the same blocks, y·(m − x) + partial fused.
  init(avx2 y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count n: Int, max m: Float, withGaps: Bool) {
    var sums = (0.0, 0.0, 0.0)
    withUnsafeMutablePointer(to: &sums) {
      $0.withMemoryRebound(to: Double.self, capacity: 3) {
        losses_avx2_label_sums(y, x, n, m, withGaps ? 1 : 0, $0)
      }
    }
    labels = sums.0
    labelledGaps = sums.1
    gaps = sums.2
  }
}
#endif
