import LossCheck
import LossCore

// Hinge mutants: label conversion per element instead of batch-global, and a categorical hinge whose
// negative term forgets to exclude the true class.
extension Mutant {
  static let hinge: [Mutant] = [
    Mutant(
      "Hinge converts labels per element", .hinge,
      bug: """
        Maps each label in {0, 1} to 2y − 1 on its own, where Keras converts only when every label \
        of the whole y_true is 0 or 1. With mixed labels {−1, 0, 1} Keras keeps a 0 as 0 (margin 1) \
        and this kernel turns it into −1 (margin 1 + p): y = [−1, 0], p = [0, 1] gives 1.5, not 1.
        """,
      smallest: 4
    ) { buggy, _, input in
      let binary = input.yTrue.scalars.allSatisfy { $0 == 0 || $0 == 1 }
      return rowLoss(input) { y, p in
        mean(p.count) { j in
          let label = Double(y[y.startIndex + j])
          let converts = buggy ? label == 0 || label == 1 : binary
          let signed = converts ? 2 * label - 1 : label
          return max(1 - signed * Double(p[p.startIndex + j]), 0)
        }
      }
    },
    Mutant(
      "Categorical hinge max over every class", .categoricalHinge,
      bug: """
        Takes the negative term as max_j p_j over every class instead of max_j (1 − y_j)·p_j, so \
        the true class counts against itself: y = [1], p = [2] gives 1 instead of 0.
        """,
      smallest: 2
    ) { buggy, _, input in
      rowLoss(input) { y, p in
        var positive = 0.0
        var negative = -Double.infinity
        for j in 0..<p.count {
          let (t, x) = (Double(y[y.startIndex + j]), Double(p[p.startIndex + j]))
          positive += t * x
          negative = max(negative, buggy ? x : (1 - t) * x)
        }
        return max(negative - positive + 1, 0)
      }
    },
  ]
}
