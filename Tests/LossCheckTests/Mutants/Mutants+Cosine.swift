import Foundation
import LossCheck
import LossCore

// Cosine similarity without the norm floor.
extension Mutant {
  static let cosine: [Mutant] = [
    Mutant(
      "Cosine without its norm floor", .cosineSimilarity(),
      bug: """
        Divides each vector by ‖x‖ instead of max(‖x‖, eps): a zero vector gives 0/0 = NaN where \
        Keras gives 0, and a vector shorter than 1e-7 is scaled up to unit length (Keras: [1e-8] \
        against [1] gives −0.1, this kernel −1).
        """,
      smallest: 2
    ) { buggy, _, input in
      let eps = Double(epsilon)
      return rowLoss(input) { y, p in
        var (yy, pp, yp) = (0.0, 0.0, 0.0)
        for j in 0..<p.count {
          let (a, b) = (Double(y[y.startIndex + j]), Double(p[p.startIndex + j]))
          yy += a * a
          pp += b * b
          yp += a * b
        }
        let (yNorm, pNorm) = (yy.squareRoot(), pp.squareRoot())
        return buggy ? -yp / (yNorm * pNorm) : -yp / (max(yNorm, eps) * max(pNorm, eps))
      }
    },
  ]
}
