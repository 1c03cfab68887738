import Foundation
import LossCheck
import LossCore

// Poisson and KL divergence mutants: a missing epsilon and a missing clip.
extension Mutant {
  static let probabilistic: [Mutant] = [
    Mutant(
      "Poisson without eps", .poisson,
      bug: """
        Computes p − y·log(p) instead of p − y·log(p + eps): p = 0 gives +∞ for y > 0 (Keras \
        16.118095·y) and 0·log 0 = NaN for y = 0 (Keras 0).
        """,
      smallest: 2
    ) { buggy, _, input in
      let eps = Double(epsilon)
      return rowLoss(input) { y, p in
        mean(p.count) { j in
          let (t, x) = (Double(y[y.startIndex + j]), Double(p[p.startIndex + j]))
          return x - t * log(buggy ? x : x + eps)
        }
      }
    },
    Mutant(
      "KL skips zero targets instead of clipping y_true", .klDivergence,
      bug: """
        Clips p to [eps, 1] but not y: it skips y = 0 terms as 0·log 0 = 0 (PyTorch's kl_div \
        convention) where Keras clips y to eps and adds eps·log(eps / p), about −1.5e-6 for p = ½, \
        10 to 20 ULPs of a loss near 1. A row needs two classes for a zero target: 4 scalars.
        """,
      smallest: 4
    ) { buggy, _, input in
      let eps = Double(epsilon)
      return rowLoss(input) { y, p in
        var total = 0.0
        for j in 0..<p.count {
          let pc = clip(Double(p[p.startIndex + j]), eps, 1)
          let t = Double(y[y.startIndex + j])
          if buggy {
            if t > 0 { total += t * log(t / pc) }
          } else {
            let tc = clip(t, eps, 1)
            total += tc * log(tc / pc)
          }
        }
        return total
      }
    },
  ]
}
