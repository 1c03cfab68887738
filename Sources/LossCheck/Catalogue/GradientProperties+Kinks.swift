#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

/// Elements of the gradient at a kink or clip bound of a quantity the kernel computes (not an
/// input), where a float32 kernel and the Double reference may stand on different sides.
///
/// Keras's categorical losses from probabilities normalise the row, o = p/Σp, and clip o to
/// [eps, 1 − eps]; from logits the focal loss clips the softmax. o is computed, so a float32 kernel
/// holds it rounded (within a few u of the exact o): when the exact o lies within 4u (relative) of
/// eps or 1 − eps, the kernel may clip an entry the reference does not, or take JAX's ½ at the bound
/// — and since every entry of the row enters every element's gradient through Σp, the whole row's
/// gradient may differ by O(the gradient). Such rows are left out of the comparison (they are rare
/// in random inputs and common only at the generators' numerical edges, e.g. p = 1 − 2⁻²³ beside
/// p = 1e-7). Cosine similarity floors the norm, max(‖p‖, eps): where ‖p‖ is within 4u of eps
/// (p = [1e-15, 1e-7]) the lane is left out likewise. Kinks of inputs (p itself at eps, e = p − y at ±δ, a margin at 0) are decided on the
/// same float32 numbers by both and need no exclusion.
enum GradientKinks {
  /// One flag per element of `y_pred`: true where the agreement property and the laws skip it.
  static func nearKink(_ loss: Loss, _ input: LossInput) -> [Bool] {
    var flags = Array(repeating: false, count: input.yPred.count)
    let axis: Int
    let fromLogits: Bool
    let eps = DType.float32.epsilon
    let high = DType.float32.oneMinusEpsilon
    let width = 4 * 0x1p-24
    let p = input.yPred.scalars.map(Double.init)
    switch loss {
    case .cosineSimilarity(let axis):
      for offsets in Invariants.lanes(input.yPred.shape, axes: [axis]) {
        let norm = offsets.reduce(0.0) { $0 + p[$1] * p[$1] }.squareRoot()
        if abs(norm - eps) <= width * eps { for k in offsets { flags[k] = true } }
      }
      return flags
    case .categoricalCrossentropy(let logits, _, let a), .sparseCategoricalCrossentropy(let logits, _, let a):
      guard !logits else { return flags }
      (axis, fromLogits) = (a, false)
    case .categoricalFocalCrossentropy(_, _, let logits, _, let a):
      (axis, fromLogits) = (a, logits)
    default:
      return flags
    }
    for offsets in Invariants.lanes(input.yPred.shape, axes: [axis]) {
      let row = offsets.map { p[$0] }
      let o: [Double]
      if fromLogits {
        o = Invariants.logSoftmax(row).map { exp($0) }
      } else {
        let total = row.reduce(0, +)
        o = row.map { $0 / total }
      }
      let near = o.contains { o in abs(o - eps) <= width * eps || abs(o - high) <= width }
      if near { for k in offsets { flags[k] = true } }
    }
    return flags
  }
}
