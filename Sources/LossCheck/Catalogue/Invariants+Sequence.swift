#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import PropertyCheck

// CTC and circle: losses over sequences and batches.
extension Invariants {
  static func sequence(_ probe: Probe, _ candidate: Candidate) -> [LossProperty] {
    switch probe.loss {
    case .ctc:
      [ctcBruteForce(probe)]
    case .circle:
      [
        nonNegativeOnValidInputs(
          probe.loss, candidate, name: "circle", reason: "each row is softplus(·) ≥ 0, and rows without positives are 0"
        ),
        circleEquivariant(probe),
      ]
    default:
      []
    }
  }

  /// CTC inputs small enough to enumerate: 2–3 classes, 1–4 steps, labels (B, 1–3) padded with 0.
  static func ctcCases(_ probe: Probe) -> Gen<Pair> {
    zip(Gen.int(in: probe.batch), Gen.int(in: 2...3), Gen.int(in: 1...4), Gen.int(in: 1...3)).flatMap {
      batch, classes, steps, width in
      // A row of up to `width` labels, cut to the longest prefix that fits in `steps`.
      let row = Gen.int(in: 1..<classes).array(count: 0...width).map { labels -> [Float] in
        var labels = labels
        while labels.count + zip(labels, labels.dropFirst()).filter({ $0 == $1 }).count > steps { labels.removeLast() }
        return labels.map(Float.init) + Array(repeating: 0, count: width - labels.count)
      }
      return zip(row.array(count: batch), Gen.float(in: -10...10).tensor(shape: [batch, steps, classes])).map {
        rows, logits in
        Pair(yTrue: try! Tensor(shape: [batch, width], scalars: rows.flatMap { $0 }), yPred: tensor(logits), extra: ())
      }
    }
  }

  /// −log Σ over every path π ∈ C^T that collapses (merge repeats, drop blanks) to `labels` of
  /// Π_t softmax(x_t)[π_t], enumerated in Double.
  static func ctcBruteForce(labels: [Int], logits: [[Double]]) -> Double {
    let steps = logits.count
    let classes = logits.first?.count ?? 0
    let logProbabilities = logits.map(logSoftmax)
    var terms = [Double]()
    var path = [Int](repeating: 0, count: steps)
    for code in 0..<Int(pow(Double(classes), Double(steps))) {
      var rest = code
      for t in 0..<steps {
        path[t] = rest % classes
        rest /= classes
      }
      var collapsed = [Int]()
      for t in 0..<steps where path[t] != 0 && (t == 0 || path[t] != path[t - 1]) { collapsed.append(path[t]) }
      if collapsed == labels { terms.append((0..<steps).reduce(0) { $0 + logProbabilities[$1][path[$1]] }) }
    }
    guard let m = terms.max() else { return .infinity }
    return -(m + log(terms.reduce(0) { $0 + exp($1 - m) }))
  }

  /// CTC equals −log of the total probability of its alignments, enumerated by brute force.
  static func ctcBruteForce(_ probe: Probe) -> LossProperty {
    LossProperty(
      name: "CTC equals −log Σ over all alignments (brute force)",
      summary: "|CTC(y, x) − (−log Σ_{π collapsing to y} Π_t softmax(x_t)[π_t])| ≤ A, the sum over all C^T paths "
        + "enumerated in Double (T ≤ 4, C ≤ 3, blank 0)",
      generator: ctcCases(probe)
    ) { pair, candidate, _ in
      let evaluation = try probe.evaluate(candidate, pair.yTrue, pair.yPred)
      let (batch, width) = (pair.yTrue.shape[0], pair.yTrue.shape[1])
      let (steps, classes) = (pair.yPred.shape[1], pair.yPred.shape[2])
      let expected = (0..<batch).map { b -> Double in
        let labels = pair.yTrue.scalars[(b * width)..<((b + 1) * width)].filter { $0 != 0 }.map { Int($0) }
        let logits = (0..<steps).map { t in
          (0..<classes).map { c in Double(pair.yPred.scalars[(b * steps + t) * classes + c]) }
        }
        return ctcBruteForce(labels: labels, logits: logits)
      }
      return Law.near(evaluation.got, expected, slack: evaluation.allowance, "CTC = brute force")
    }
  }

  /// Reordering the batch (embeddings with their labels) reorders the per-row losses and leaves
  /// the reduced value unchanged: every row's loss depends on the set of other rows only.
  static func circleEquivariant(_ probe: Probe) -> LossProperty {
    let generator = LossInputs.circle.flatMap { y, p, _ in
      permutations(of: y.count).map { order in InvariantCase(yTrue: y, yPred: p, extra: order, label: "permutation") }
    }
    return LossProperty(
      name: "circle is equivariant under reordering the batch",
      summary: "|l(πy, πX)_i − l(y, X)_{π(i)}| ≤ A₁ + A₂ per row (reduced: the values agree within A₁ + A₂)",
      generator: generator
    ) { value, candidate, _ in
      let order = value.extra
      let dimension = value.yPred.shape[1]
      let labels = try! Tensor(shape: value.yTrue.shape, scalars: order.map { value.yTrue.scalars[$0] })
      let embeddings = try! Tensor(
        shape: value.yPred.shape,
        scalars: order.flatMap { value.yPred.scalars[($0 * dimension)..<(($0 + 1) * dimension)] })
      let original = try probe.evaluate(candidate, value.yTrue, value.yPred)
      let permuted = try probe.evaluate(candidate, labels, embeddings)
      let perRow = original.got.count == order.count
      let expected = perRow ? order.map { Double(original.got[$0]) } : original.got.map(Double.init)
      let slack = permuted.allowance.indices.map { i in
        permuted.allowance[i] + original.allowance[perRow ? order[i] : i]
      }
      return Law.near(permuted.got, expected, slack: slack, "circle(πy, πX) = π·circle(y, X)")
    }
  }
}
