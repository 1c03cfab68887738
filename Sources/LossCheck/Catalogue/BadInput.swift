import LossCore
import LossReference
import PropertyCheck

/// Bad input as a property (DESIGN.md principle 6): generated invalid inputs of every class make the
/// candidate throw a `LossError` of the same case, naming the same argument, as the reference
/// evaluated as float32 throws on that input. A returned value, another case or argument, or an
/// error that is not a `LossError` fails. (A trap cannot be caught in-process: a kernel that traps
/// crashes the run, loudly.)
///
/// The classes, each only where the loss can receive it:
/// - shapes that do not broadcast (every loss with two tensors of one shape);
/// - unequal shapes that broadcast, for the losses that need equal shapes (BCE, focal, CCE, cosine,
///   dice, tversky);
/// - label shapes that do not fit `y_pred` (SCCE, generalized crossentropy, CTC, circle) and CTC's
///   ranks and batch sizes;
/// - sample weights that do not align with the per-sample losses;
/// - an empty reduced axis (a mean or a class axis over nothing);
/// - labels out of range or not integers (SCCE, generalized crossentropy, CTC, circle), CTC label
///   sequences too long for the time steps and labels after the padding;
/// - option values out of their domain (label_smoothing, q, delta, gamma, alpha, beta, margin, axis).
///
/// Each generator starts from the agreement property's valid inputs and breaks one thing, so a
/// failure shrinks to a small input broken in that one way. Included only for candidates that
/// validate input (`Candidate.validatesInput`).
enum BadInput {
  static func properties(of loss: Loss, for candidate: Candidate) -> [LossProperty] {
    let reductions = candidate.reductions
    var properties = [LossProperty]()
    switch loss {
    case .sparseCategoricalCrossentropy, .categoricalGeneralizedCrossEntropy, .ctc, .circle:
      properties.append(rejects(loss, "label shapes that do not fit y_pred", labelShapes(loss, reductions)))
      if let labels = badLabels(loss, reductions) {
        properties.append(rejects(loss, "labels out of range or not integers", labels))
      }
    default:
      properties.append(rejects(loss, "shapes that do not broadcast", nonBroadcastable(loss, reductions)))
      if needsEqualShapes(loss) {
        properties.append(rejects(loss, "unequal shapes that broadcast", broadcastableUnequal(loss, reductions)))
      }
    }
    if case .ctc = loss {
      properties.append(rejects(loss, "CTC labels that need more time steps than y_pred has", infeasibleCTC(reductions)))
      properties.append(rejects(loss, "CTC labels after the padding 0", paddingBeforeLabel(reductions)))
    }
    if candidate.acceptsSampleWeights, hasPerSampleShape(loss) {
      properties.append(rejects(loss, "sample weights that do not align", misalignedWeights(loss, reductions)))
    }
    if let empty = emptyAxis(loss, reductions) {
      properties.append(rejects(loss, "an empty reduced axis", empty))
    }
    if let options = badOptions(loss) {
      properties.append(rejects(loss, "option values out of their domain", options(reductions)))
    }
    return properties
  }

  // MARK: - The property

  /// One invalid input: the loss (possibly with a bad option), the input and what is wrong with it.
  struct Bad: CustomStringConvertible, CounterexampleSized, Sendable {
    var loss: Loss
    var input: LossInput
    var flaw: String

    var scalarCount: Int { input.scalarCount }
    var description: String { "\(flaw)\nloss = \(loss)\n\(input)" }
  }

  static func rejects(_ loss: Loss, _ what: String, _ generator: Gen<Bad>) -> LossProperty {
    LossProperty(
      name: "rejects \(what) as the reference does",
      summary: "for \(what), the candidate throws a LossError of the reference's case naming the same argument",
      generator: generator
    ) { bad, candidate, _ in
      check(bad, candidate)
    }
  }

  static func check(_ bad: Bad, _ candidate: Candidate) -> String? {
    let expected: LossError
    do {
      let value = try Reference.evaluate(
        bad.loss, yTrue: bad.input.yTrue.map(Double.init), yPred: bad.input.yPred.map(Double.init),
        sampleWeight: bad.input.sampleWeight?.map(Double.init), reduction: bad.input.reduction, as: .float32)
      return "the reference accepts this input (\(bad.flaw)) and gives \(value): the generator or the reference is wrong"
    } catch let error as LossError {
      expected = error
    } catch {
      return "the reference threw \(error), which is not a LossError"
    }
    do {
      let value = try candidate(bad.loss, bad.input)
      return "the candidate returned \(value) where the reference throws \(expected)"
    } catch let error as LossError {
      guard caseName(error) == caseName(expected), error.argument == expected.argument else {
        return "the candidate threw \(caseName(error)) naming `\(error.argument)` (\(error)); the reference throws "
          + "\(caseName(expected)) naming `\(expected.argument)` (\(expected))"
      }
      return nil
    } catch {
      return "the candidate threw \(error), not a LossError (the reference throws \(expected))"
    }
  }

  static func caseName(_ error: LossError) -> String {
    switch error {
    case .invalidShape: "invalidShape"
    case .incompatibleShapes: "incompatibleShapes"
    case .invalidValue: "invalidValue"
    case .invalidOption: "invalidOption"
    }
  }

  // MARK: - Shapes

  static func needsEqualShapes(_ loss: Loss) -> Bool {
    switch loss {
    case .binaryCrossentropy, .binaryFocalCrossentropy, .categoricalCrossentropy, .categoricalFocalCrossentropy,
      .cosineSimilarity, .dice, .tversky:
      true
    default:
      false
    }
  }

  /// Values that are valid in every tensor position of the losses with two tensors of one shape.
  static let unitValues = Gen.float(in: 0...1)

  /// Two tensors of equal rank whose dimensions differ on one axis, both ≥ 2 there: not broadcastable.
  static func nonBroadcastable(_ loss: Loss, _ reductions: [Reduction]) -> Gen<Bad> {
    zip(Gen.shape(rank: 1...3, dimension: 1...4), Gen.int(in: 0...2), Gen.int(in: 2...4), Gen.int(in: 1...3),
        Gen.element(of: reductions))
      .flatMap { shape, axisChoice, dimension, offset, reduction in
        let axis = axisChoice % shape.count
        var trueShape = shape
        var predShape = shape
        trueShape[axis] = dimension
        predShape[axis] = dimension + offset
        return zip(unitValues.tensor(shape: trueShape), unitValues.tensor(shape: predShape)).map { y, p in
          Bad(
            loss: loss, input: LossInput(yTrue: LossInputs.tensor(y), yPred: LossInputs.tensor(p), reduction: reduction),
            flaw: "y_true \(trueShape) and y_pred \(predShape) do not broadcast")
        }
      }
  }

  /// Two tensors of equal rank, `y_true` of extent 1 on an axis where `y_pred` has ≥ 2: they
  /// broadcast, but the loss needs equal shapes.
  static func broadcastableUnequal(_ loss: Loss, _ reductions: [Reduction]) -> Gen<Bad> {
    zip(Gen.shape(rank: 1...3, dimension: 1...4), Gen.int(in: 0...2), Gen.int(in: 2...4), Gen.element(of: reductions))
      .flatMap { shape, axisChoice, dimension, reduction in
        let axis = axisChoice % shape.count
        var predShape = shape
        predShape[axis] = dimension
        var trueShape = shape
        trueShape[axis] = 1
        return zip(unitValues.tensor(shape: trueShape), unitValues.tensor(shape: predShape)).map { y, p in
          Bad(
            loss: loss, input: LossInput(yTrue: LossInputs.tensor(y), yPred: LossInputs.tensor(p), reduction: reduction),
            flaw: "y_true \(trueShape) broadcasts to y_pred \(predShape) but is not equal")
        }
      }
  }

  /// Labels whose shape does not fit `y_pred`, for the losses that take labels.
  static func labelShapes(_ loss: Loss, _ reductions: [Reduction]) -> Gen<Bad> {
    let reduction = Gen.element(of: reductions)
    switch loss {
    case .sparseCategoricalCrossentropy, .categoricalGeneralizedCrossEntropy:
      // y_pred (B, C) with C ≥ 2; labels (B + k) or (B, 2 + k) (SCCE) / (B') with B' ≠ B, both ≥ 2 (GCE).
      let isSparse = loss.name == .sparseCategoricalCrossentropy
      return zip(Gen.int(in: 2...4), Gen.int(in: 2...4), Gen.int(in: 1...3), Gen.bool, reduction)
        .flatMap { batch, classes, offset, extraAxis, reduction in
          let labelShape = isSparse && extraAxis ? [batch, 1 + offset] : [batch + offset]
          return zip(Gen.int(in: 0..<classes).array(count: labelShape.reduce(1, *)), Gen.probabilities(shape: [batch, classes]))
            .map { labels, p in
              Bad(
                loss: loss,
                input: LossInput(
                  yTrue: try! Tensor(shape: labelShape, scalars: labels.map(Float.init)), yPred: LossInputs.tensor(p),
                  reduction: reduction),
                flaw: "labels \(labelShape) for y_pred [\(batch), \(classes)]")
            }
        }
    case .ctc:
      // Labels of rank ≠ 2, logits of rank ≠ 3, or batch sizes that differ.
      return zip(Gen.int(in: 1...3), Gen.int(in: 1...3), Gen.int(in: 2...4), Gen.int(in: 0...2), reduction)
        .flatMap { batch, steps, classes, kind, reduction in
          let (labelShape, logitShape, flaw): ([Int], [Int], String) =
            switch kind {
            case 0: ([batch], [batch, steps, classes], "labels of rank 1")
            case 1: ([batch, 1], [batch, steps * classes], "logits of rank 2")
            default: ([batch + 1, 1], [batch, steps, classes], "batch sizes \(batch + 1) and \(batch)")
            }
          return zip(
            Gen.int(in: 0..<classes).array(count: labelShape.reduce(1, *)),
            Gen.float(in: -10...10).tensor(shape: logitShape)
          ).map { labels, logits in
            Bad(
              loss: loss,
              input: LossInput(
                yTrue: try! Tensor(shape: labelShape, scalars: labels.map { _ in 0 }), yPred: LossInputs.tensor(logits),
                reduction: reduction),
              flaw: "CTC \(flaw): labels \(labelShape), logits \(logitShape)")
          }
        }
    default:
      // Circle: embeddings of rank ≠ 2, or labels that are not (B,) or (B, 1).
      return zip(Gen.int(in: 2...4), Gen.int(in: 1...3), Gen.int(in: 0...2), reduction)
        .flatMap { batch, dimension, kind, reduction in
          let (labelShape, embeddingShape): ([Int], [Int]) =
            switch kind {
            case 0: ([batch], [batch, dimension, 2])
            case 1: ([batch + 1], [batch, dimension])
            default: ([batch, 2], [batch, dimension])
            }
          return zip(
            Gen.int(in: 0...2).array(count: labelShape.reduce(1, *)),
            Gen.float(in: -1...1).tensor(shape: embeddingShape)
          ).map { labels, embeddings in
            Bad(
              loss: loss,
              input: LossInput(
                yTrue: try! Tensor(shape: labelShape, scalars: labels.map(Float.init)),
                yPred: LossInputs.tensor(embeddings), reduction: reduction),
              flaw: "circle labels \(labelShape) with embeddings \(embeddingShape)")
          }
        }
    }
  }

  // MARK: - Weights and empty axes

  /// Whether the loss has per-sample losses that weights could misalign with (not a scalar overlap).
  static func hasPerSampleShape(_ loss: Loss) -> Bool {
    switch loss {
    case .dice(nil), .tversky(_, _, nil): false
    default: true
    }
  }

  /// Valid tensors with weights whose extent differs, on an axis where the per-sample losses have ≥ 2.
  static func misalignedWeights(_ loss: Loss, _ reductions: [Reduction]) -> Gen<Bad> {
    zip(LossInputs.tensors(loss), Gen.int(in: 1...3), Gen.element(of: reductions))
      .filter { tensors, _, _ in (tensors.2 ?? []).contains { $0 >= 2 } }
      .flatMap { tensors, offset, reduction in
        let (yTrue, yPred, sampleShape) = tensors
        let shape = sampleShape ?? []
        // A case the filter rejected three times still reaches here (and is then discarded).
        let axis = shape.firstIndex { $0 >= 2 } ?? 0
        var weightShape = shape.isEmpty ? [2] : shape
        weightShape[axis] += offset
        return LossInputs.weights.tensor(shape: weightShape).map { weights in
          Bad(
            loss: loss,
            input: LossInput(yTrue: yTrue, yPred: yPred, sampleWeight: LossInputs.tensor(weights), reduction: reduction),
            flaw: "sample weights \(weightShape) for per-sample losses \(shape)")
        }
      }
  }

  /// The reduced axes of `loss` for a tensor of `rank` (nil: not an axis loss).
  static func reducedAxes(_ loss: Loss, rank: Int) -> [Int] {
    switch loss {
    case .cosineSimilarity(let axis), .binaryCrossentropy(_, _, let axis), .binaryFocalCrossentropy(_, _, _, _, _, let axis),
      .categoricalCrossentropy(_, _, let axis), .categoricalFocalCrossentropy(_, _, _, _, let axis):
      return [axis]
    case .dice(let axes), .tversky(_, _, let axes):
      return axes ?? Array(0..<rank)
    default:
      return [-1]
    }
  }

  /// Valid inputs with one reduced axis of extent 0 (the other axes keep their extents ≥ 1).
  static func emptyAxis(_ loss: Loss, _ reductions: [Reduction]) -> Gen<Bad>? {
    let reduction = Gen.element(of: reductions)
    switch loss {
    case .circle:
      return nil  // zero-dimensional embeddings are valid: every dot product is 0
    case .ctc:
      return zip(Gen.int(in: 1...3), Gen.int(in: 1...3), Gen.int(in: 1...3), reduction).map { batch, steps, labels, reduction in
        Bad(
          loss: loss,
          input: LossInput(
            yTrue: try! Tensor(shape: [batch, labels], scalars: Array(repeating: 0, count: batch * labels)),
            yPred: try! Tensor(shape: [batch, steps, 0], scalars: []), reduction: reduction),
          flaw: "CTC logits with no classes")
      }
    case .sparseCategoricalCrossentropy, .categoricalGeneralizedCrossEntropy:
      return zip(Gen.shape(rank: 1...2, dimension: 1...4), reduction).map { labelShape, reduction in
        Bad(
          loss: loss,
          input: LossInput(
            yTrue: try! Tensor(shape: labelShape, scalars: Array(repeating: 0, count: labelShape.reduce(1, *))),
            yPred: try! Tensor(shape: labelShape + [0], scalars: []), reduction: reduction),
          flaw: "y_pred with an empty class axis")
      }
    default:
      return zip(LossInputs.tensors(loss), Gen.int(in: 0...2), reduction).map { tensors, choice, reduction in
        let shape = tensors.1.shape
        let axes = reducedAxes(loss, rank: shape.count).compactMap { Shape.normalizedAxis($0, rank: shape.count) }
        var empty = shape
        empty[axes[choice % axes.count]] = 0
        return Bad(
          loss: loss,
          input: LossInput(
            yTrue: try! Tensor(shape: empty, scalars: []), yPred: try! Tensor(shape: empty, scalars: []),
            reduction: reduction),
          flaw: "y_true and y_pred \(empty): the reduced axis is empty")
      }
    }
  }
}
