import LossCore
import PropertyCheck

// Invalid label values and invalid options.
extension BadInput {
  // MARK: - Labels

  /// Valid inputs with one label replaced by a value outside the loss's label domain: ≥ C, negative
  /// (other than `ignore_class`), not an integer, NaN or ±∞. Circle accepts every integer, so only
  /// non-integers there.
  static func badLabels(_ loss: Loss, _ reductions: [Reduction]) -> Gen<Bad>? {
    let ignored: Float? =
      if case .sparseCategoricalCrossentropy(_, let ignoreClass?, _) = loss { Float(ignoreClass) } else { nil }
    let integersOnly = loss.name == .circle
    return zip(LossInputs.tensors(loss), Gen.element(of: reductions)).flatMap { tensors, reduction in
      let (yTrue, yPred, _) = tensors
      let classes = yPred.shape.last ?? 1
      var outOfRange = [
        Gen.int(in: classes...(classes + 3)).map(Float.init),
        Gen.int(in: -3 ... -1).map(Float.init).map { $0 == ignored ? -4 : $0 },
      ]
      if integersOnly { outOfRange = [] }
      let nonInteger = [
        Gen.element(of: [Float(0.5), 1.25, -0.5, .nan, .infinity, -.infinity]),
        Gen.int(in: 0...classes).map { Float($0) + 0.5 },
      ]
      let value = Gen.oneOf(outOfRange + nonInteger)
      // CTC rows may hold no labels at all: give them one.
      let base = yTrue.count > 0 ? yTrue : try! Tensor(shape: [yTrue.shape[0], 1], scalars: Array(repeating: 0, count: yTrue.shape[0]))
      return zip(Gen.int(in: 0...(base.count - 1)), value).map { index, value in
        var labels = base
        labels.scalars[index] = value
        return Bad(
          loss: loss, input: LossInput(yTrue: labels, yPred: yPred, reduction: reduction),
          flaw: "label \(value) at flat index \(index) (C = \(classes))")
      }
    }
  }

  /// CTC rows of L ≥ 2 labels in [1, C) that need more time steps (L plus one per repeat) than the
  /// logits have.
  static func infeasibleCTC(_ reductions: [Reduction]) -> Gen<Bad> {
    zip(Gen.int(in: 1...3), Gen.int(in: 2...4), Gen.int(in: 2...4), Gen.element(of: reductions))
      .flatMap { batch, classes, length, reduction in
        Gen.int(in: 1..<classes).array(count: batch * length).flatMap { labels in
          let rows = (0..<batch).map { Array(labels[($0 * length)..<(($0 + 1) * length)]) }
          let needed = rows.map { row in row.count + zip(row, row.dropFirst()).filter { $0 == $1 }.count }.max()!
          return Gen.int(in: 1...(needed - 1)).flatMap { steps in
            Gen.float(in: -10...10).tensor(shape: [batch, steps, classes]).map { logits in
              Bad(
                loss: .ctc,
                input: LossInput(
                  yTrue: try! Tensor(shape: [batch, length], scalars: labels.map(Float.init)),
                  yPred: LossInputs.tensor(logits), reduction: reduction),
                flaw: "labels that need \(needed) time steps, logits with \(steps)")
            }
          }
        }
      }
  }

  /// CTC rows with a padding 0 before a label.
  static func paddingBeforeLabel(_ reductions: [Reduction]) -> Gen<Bad> {
    zip(Gen.int(in: 1...3), Gen.int(in: 2...4), Gen.int(in: 2...4), Gen.element(of: reductions))
      .flatMap { batch, classes, length, reduction in
        zip(Gen.int(in: 1..<classes).array(count: batch * length), Gen.int(in: 0...(length - 2)), Gen.int(in: 0..<batch))
          .flatMap { labels, gap, row in
            var labels = labels.map(Float.init)
            labels[row * length + gap] = 0
            let steps = 2 * length + 1
            return Gen.float(in: -10...10).tensor(shape: [batch, steps, classes]).map { logits in
              Bad(
                loss: .ctc,
                input: LossInput(
                  yTrue: try! Tensor(shape: [batch, length], scalars: labels), yPred: LossInputs.tensor(logits),
                  reduction: reduction),
                flaw: "a padding 0 at position \(gap) of row \(row), before a label")
            }
          }
      }
  }

  // MARK: - Options

  /// Numbers outside [0, 1]: below 0, above 1, NaN and ±∞.
  static let outsideUnitInterval = Gen.oneOf(
    Gen.double(in: -3 ... -0x1p-20), Gen.double(in: (1 + 0x1p-20)...3), Gen.element(of: [Double.nan, .infinity, -.infinity]))
  /// Numbers < 0, NaN and ±∞.
  static let negative = Gen.oneOf(
    Gen.double(in: -3 ... -0x1p-20), Gen.element(of: [Double.nan, .infinity, -.infinity]))
  /// Numbers ≤ 0, NaN and ±∞.
  static let nonPositive = Gen.oneOf(
    Gen.double(in: -3...0), Gen.element(of: [Double.nan, .infinity, -.infinity]))

  /// The loss with one option replaced by a value outside its domain, on a valid input of the loss
  /// (an axis out of range for the tensor's rank included).
  static func badOptions(_ loss: Loss) -> (([Reduction]) -> Gen<Bad>)? {
    let variants: [Gen<(Loss, String)>]
    let axisOutOfRange: ((Int) -> Loss)?
    switch loss {
    case .huber:
      variants = [nonPositive.map { (.huber(delta: $0), "delta = \($0)") }]
      axisOutOfRange = nil
    case .binaryCrossentropy(let fromLogits, _, let axis):
      variants = [
        outsideUnitInterval.map {
          (.binaryCrossentropy(fromLogits: fromLogits, labelSmoothing: $0, axis: axis), "label_smoothing = \($0)")
        }
      ]
      axisOutOfRange = { .binaryCrossentropy(fromLogits: fromLogits, labelSmoothing: 0, axis: $0) }
    case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, let ls, let axis):
      variants = [
        outsideUnitInterval.map {
          (.binaryFocalCrossentropy(applyClassBalancing: balancing, alpha: $0, gamma: gamma, fromLogits: fromLogits,
            labelSmoothing: ls, axis: axis), "alpha = \($0)")
        },
        negative.map {
          (.binaryFocalCrossentropy(applyClassBalancing: balancing, alpha: alpha, gamma: $0, fromLogits: fromLogits,
            labelSmoothing: ls, axis: axis), "gamma = \($0)")
        },
        outsideUnitInterval.map {
          (.binaryFocalCrossentropy(applyClassBalancing: balancing, alpha: alpha, gamma: gamma, fromLogits: fromLogits,
            labelSmoothing: $0, axis: axis), "label_smoothing = \($0)")
        },
      ]
      axisOutOfRange = {
        .binaryFocalCrossentropy(applyClassBalancing: balancing, alpha: alpha, gamma: gamma, fromLogits: fromLogits,
          labelSmoothing: ls, axis: $0)
      }
    case .categoricalCrossentropy(let fromLogits, _, let axis):
      variants = [
        outsideUnitInterval.map {
          (.categoricalCrossentropy(fromLogits: fromLogits, labelSmoothing: $0, axis: axis), "label_smoothing = \($0)")
        }
      ]
      axisOutOfRange = { .categoricalCrossentropy(fromLogits: fromLogits, axis: $0) }
    case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, let ls, let axis):
      variants = [
        negative.map {
          (.categoricalFocalCrossentropy(alpha: [$0], gamma: gamma, fromLogits: fromLogits, labelSmoothing: ls, axis: axis),
            "alpha = [\($0)]")
        },
        Gen.constant(
          (.categoricalFocalCrossentropy(alpha: [], gamma: gamma, fromLogits: fromLogits, labelSmoothing: ls, axis: axis),
            "alpha = []")),
        negative.map {
          (.categoricalFocalCrossentropy(alpha: alpha, gamma: $0, fromLogits: fromLogits, labelSmoothing: ls, axis: axis),
            "gamma = \($0)")
        },
        outsideUnitInterval.map {
          (.categoricalFocalCrossentropy(alpha: alpha, gamma: gamma, fromLogits: fromLogits, labelSmoothing: $0, axis: axis),
            "label_smoothing = \($0)")
        },
      ]
      axisOutOfRange = {
        .categoricalFocalCrossentropy(alpha: alpha, gamma: gamma, fromLogits: fromLogits, labelSmoothing: ls, axis: $0)
      }
    case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, _):
      variants = []
      axisOutOfRange = { .sparseCategoricalCrossentropy(fromLogits: fromLogits, ignoreClass: ignoreClass, axis: $0) }
    case .cosineSimilarity:
      variants = []
      axisOutOfRange = { .cosineSimilarity(axis: $0) }
    case .dice(let axis):
      variants = [duplicateAxes(axis).map { (.dice(axis: $0), "axis = \($0)") }]
      axisOutOfRange = { .dice(axis: [$0]) }
    case .tversky(let alpha, let beta, let axis):
      variants = [
        negative.map { (.tversky(alpha: $0, beta: beta, axis: axis), "alpha = \($0)") },
        negative.map { (.tversky(alpha: alpha, beta: $0, axis: axis), "beta = \($0)") },
        duplicateAxes(axis).map { (.tversky(alpha: alpha, beta: beta, axis: $0), "axis = \($0)") },
      ]
      axisOutOfRange = { .tversky(alpha: alpha, beta: beta, axis: [$0]) }
    case .circle(let gamma, let margin, let removeDiagonal):
      variants = [
        nonPositive.map { (.circle(gamma: $0, margin: margin, removeDiagonal: removeDiagonal), "gamma = \($0)") },
        Gen.element(of: [Double.nan, .infinity, -.infinity]).map {
          (.circle(gamma: gamma, margin: $0, removeDiagonal: removeDiagonal), "margin = \($0)")
        },
      ]
      axisOutOfRange = nil
    case .categoricalGeneralizedCrossEntropy:
      variants = [
        Gen.oneOf(
          Gen.element(of: [0.0, 1, .nan, .infinity, -.infinity]), Gen.double(in: -3...0), Gen.double(in: 1...3)
        ).map { (.categoricalGeneralizedCrossEntropy(q: $0), "q = \($0)") }
      ]
      axisOutOfRange = nil
    default:
      return nil
    }
    return { reductions in
      zip(LossInputs.tensors(loss), Gen.element(of: reductions), Gen.int(in: 0...3)).flatMap { tensors, reduction, extra in
        let (yTrue, yPred, _) = tensors
        let rank = yPred.rank
        var choices = variants
        if let axisOutOfRange {
          // An axis in [rank, rank + 3] or [−rank − 4, −rank − 1].
          let axis = Gen.bool.map { negative in negative ? -rank - 1 - extra : rank + extra }
          choices.append(axis.map { (axisOutOfRange($0), "axis = \($0) for rank \(rank)") })
        }
        return Gen.oneOf(choices).map { bad, flaw in
          Bad(loss: bad, input: LossInput(yTrue: yTrue, yPred: yPred, reduction: reduction), flaw: flaw)
        }
      }
    }
  }

  /// Axis lists that are empty or repeat an axis.
  static func duplicateAxes(_ axis: [Int]?) -> Gen<[Int]> {
    let first = axis?.first ?? -1
    return Gen.element(of: [[], [first, first], [-1, -1], [0, 0, 1]])
  }
}
