import Foundation
import LossCheck
import LossCore

// Regression-loss mutants: a SIMD loop that drops its tail (MSE), Huber's branch test, and log_cosh
// written as log(cosh(x)).
extension Mutant {
  static let regression: [Mutant] = [
    Mutant(
      "MSE SIMD loop drops the tail", .meanSquaredError,
      bug: """
        Sums (y − p)² over the whole buffer with a scalar loop below 8 elements and SIMD8 lanes \
        from 8 on, but the SIMD path never processes the n mod 8 leftover elements. Every input \
        of fewer than 8 elements is right; the smallest wrong one has 9 elements, shape (3, 3), \
        18 scalars, with the 9th differing (rank 1 stops at 6 elements). The shrinker lands on \
        (2, 5), 20 scalars, with the 10th differing.
        """,
      smallest: 18, bound: 20, reductions: [.sumOverBatchSize, .mean, .sum]
    ) { buggy, _, input in
      meanSquaredErrorSIMD(input, dropsTail: buggy)
    },
    Mutant(
      "Huber < instead of ≤", .huber(),
      bug: """
        Takes the quadratic branch when |e| < δ instead of |e| ≤ δ. At |e| = δ both branches give \
        ½δ² exactly (δ·δ − ½·δ² = ½·δ² in any binary floating point, since ½·δ² is exact), so no \
        Float input can tell the two apart: an equivalent mutant.
        """,
      smallest: 2,
      expectation: .equivalent(
        why: "½·δ² and δ·|e| − ½·δ² are the same Float at |e| = δ, the only input where the branch test differs"),
      reductions: Reduction.allCases, weights: true
    ) { buggy, loss, input in
      huber(loss, input, strict: buggy)
    },
    Mutant(
      "log_cosh as log(cosh(x)) in Float", .logCosh,
      bug: """
        Computes log(cosh(x)) directly in Float instead of x + softplus(−2x) − log 2: cosh \
        overflows for |x| > 89.4, so p − y = 90 gives +∞ (Keras 89.306854).
        """,
      smallest: 2
    ) { buggy, _, input in
      rowLoss(input) { y, p in
        mean(p.count) { j in
          let (a, b) = (y[y.startIndex + j], p[p.startIndex + j])
          if buggy { return Double(logf(coshf(b - a))) }
          let x = Double(b) - Double(a)
          return x + (max(-2 * x, 0) + log1p(exp(-abs(2 * x)))) - Double(Float(M_LN2))
        }
      }
    },
  ]
}

/// MSE from Σ(y − p)² over the whole buffer (every row has the same length, so the mean of the
/// row means is Σ / n and their sum Σ / L): the form of a kernel that reads the input in place.
private func meanSquaredErrorSIMD(_ input: LossInput, dropsTail: Bool) -> Tensor<Float> {
  let (y, p) = (input.yTrue.scalars, input.yPred.scalars)
  let n = y.count
  var total = 0.0
  if n < 8 {
    for i in 0..<n {
      let d = Double(y[i]) - Double(p[i])
      total += d * d
    }
  } else {
    var lanes = SIMD8<Double>()
    var i = 0
    while i + 8 <= n {
      var d = SIMD8<Double>()
      for k in 0..<8 { d[k] = Double(y[i + k]) - Double(p[i + k]) }
      lanes += d * d
      i += 8
    }
    total = lanes.sum()
    if !dropsTail {
      while i < n {
        let d = Double(y[i]) - Double(p[i])
        total += d * d
        i += 1
      }
    }
  }
  let rows = Rows(input.yPred.shape)
  if rows.sampleShape == [] || input.reduction != .sum {
    return Tensor(scalar: Float(total / Double(n)))
  }
  return Tensor(scalar: Float(total / Double(rows.length)))
}

/// Huber over the last axis: ½e² where |e| ≤ δ (or < δ when `strict`), else δ|e| − ½δ².
private func huber(_ loss: Loss, _ input: LossInput, strict: Bool) -> Tensor<Float> {
  guard case .huber(let delta) = loss else { fatalError("\(loss)") }
  let d = Double(Float(delta))
  return rowLoss(input) { y, p in
    mean(p.count) { j in
      let e = Double(p[p.startIndex + j]) - Double(y[y.startIndex + j])
      let a = abs(e)
      let quadratic = strict ? a < d : a <= d
      return quadratic ? 0.5 * e * e : d * a - 0.5 * d * d
    }
  }
}
