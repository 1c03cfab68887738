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
  /// `scanLogits` by the AVX2 and FMA loops: the maximum, minimum and finiteness in one pass,
  /// then the exponentials of `expShifted`'s form (unclamped when the minimum shows no term below
  /// e⁻⁸⁷) summed in Double in a second, for a row of any length (two passes from L2 cost less
  /// than the rescaling of the portable long-row path). The maximum's computed term is replaced by
  /// its exact value as there.
  ///
  /// While the exponentials run, the next row (x + n: rows are usually consecutive) and
  /// `labels`, when given, are prefetched: the maximum pass reads its row from beyond L2.
  static func scanLogitsAVX2(
    _ x: UnsafePointer<Float>, count n: Int, labels: UnsafePointer<Float>? = nil
  ) -> LogitRowScan {
    var finite: Int32 = 0
    var least: Float = 0
    let m = losses_avx2_row_max(x, n, &least, &finite)
    guard finite != 0 else { return LogitRowScan(max: m, excess: .nan, isFinite: false) }
    let shift = LogitShift(max: m)
    let sum = losses_avx2_shifted_exp_sum(x, n, shift.offset, shift.floor, shift.bias, least, labels)
    return LogitRowScan(max: m, excess: excess(sum: sum, max: m, shift), isFinite: true)
  }

  /// `scanLogitsAVX2` and, for a finite row, its `CategoricalLabelSums` in a pass of their own
  /// over the row (in L1): fused into the exponentials' loop they made it spill. The blocks of 64
  /// sum each lane's terms in two Float chains of four, so the portable bound (9u relative; u for
  /// one-hot labels) holds; without label smoothing (no gaps), blocks of zero labels are skipped.
  static func scanCategoricalLogitsAVX2(
    _ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count n: Int, withGaps: Bool
  ) -> (LogitRowScan, CategoricalLabelSums?) {
    let scan = scanLogitsAVX2(x, count: n, labels: y)
    guard scan.isFinite else { return (scan, nil) }
    var sums = (0.0, 0.0, 0.0)
    withUnsafeMutablePointer(to: &sums) {
      $0.withMemoryRebound(to: Double.self, capacity: 3) {
        losses_avx2_label_sums(y, x, n, scan.max, withGaps ? 1 : 0, $0)
      }
    }
    return (scan, CategoricalLabelSums(labels: sums.0, labelledGaps: sums.1, gaps: sums.2))
  }

  /// S − 1 from the computed sum: the maximum's computed term replaced by its exact value.
  private static func excess(sum: Double, max m: Float, _ shift: LogitShift) -> Double {
    let maxTerm = Double(losses_avx2_shifted_exp(m, shift.offset, shift.floor, shift.bias))
    return (sum - maxTerm) / exp(Double(m) - shift.total)
  }
}

#endif
