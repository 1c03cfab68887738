import LossCore
import PropertyCheck

/// Generators of valid inputs for each loss: shapes that shrink, values biased toward numerical
/// edges inside each loss's domain, optional sample weights and every reduction the candidate has.
public enum LossInputs {
  /// Valid inputs of `loss` that `candidate` supports.
  public static func valid(_ loss: Loss, for candidate: Candidate) -> Gen<LossInput> {
    let reductions = Gen.element(of: candidate.reductions)
    return zip(tensors(loss), reductions, Gen.bool).flatMap { pair, reduction, weighted in
      let (yTrue, yPred, sampleShape) = pair
      guard weighted, candidate.acceptsSampleWeights, let sampleShape else {
        return .constant(LossInput(yTrue: yTrue, yPred: yPred, reduction: reduction))
      }
      return weights.tensor(shape: sampleShape).map { weight in
        LossInput(yTrue: yTrue, yPred: yPred, sampleWeight: tensor(weight), reduction: reduction)
      }
    }
  }

  /// Sample weights: non-negative, with exact zeros and integers favoured.
  static let weights = Gen.float(in: 0...4)

  /// `y_true`, `y_pred` and the shape of the per-sample losses (nil: no sample weights apply).
  static func tensors(_ loss: Loss) -> Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> {
    switch loss {
    case .meanSquaredError, .meanAbsoluteError, .huber, .logCosh:
      return elementwise(Gen.float(in: -100...100), Gen.float(in: -100...100))
    case .meanAbsolutePercentageError:
      return elementwise(Gen.float(in: -100...100), Gen.float(in: -100...100))
    case .meanSquaredLogarithmicError:
      return elementwise(Gen.float(in: -10...1000), Gen.float(in: -10...1000))
    case .poisson:
      return elementwise(Gen.float(in: 0...20), Gen.float(in: 0...20))
    case .hinge, .squaredHinge:
      return hingeLabels(Gen.float(in: -10...10))
    case .categoricalHinge:
      return rows(oneHot, values(in: -10...10))
    case .cosineSimilarity(let axis):
      return rows(values(in: -10...10), values(in: -10...10), axis: axis)
    case .klDivergence:
      return rows(probabilities, probabilities)
    case .binaryCrossentropy(let fromLogits, _, let axis), .binaryFocalCrossentropy(_, _, _, let fromLogits, _, let axis):
      let prediction = fromLogits ? Gen.float(in: -1e4...1e4) : Gen.float(in: 0...1)
      return elementwise(binaryTargets, prediction, axis: axis)
    case .categoricalCrossentropy(let fromLogits, _, let axis),
      .categoricalFocalCrossentropy(_, _, let fromLogits, _, let axis):
      return rows(oneHotOrSoft, fromLogits ? logits : probabilities, axis: axis)
    case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, _):
      return sparse(fromLogits ? logits : probabilities, ignoreClass: ignoreClass)
    case .categoricalGeneralizedCrossEntropy:
      // One class with labels of rank ≥ 2 makes Keras squeeze y_pred's trailing 1 and read the
      // previous axis as the classes; those inputs are left to the reference's own tests.
      return sparse(probabilities, ignoreClass: nil, shapes: Gen.shape(rank: 1...3, dimension: 2...6))
    case .dice(let axis), .tversky(_, _, let axis):
      return overlap(axis: axis)
    case .ctc:
      return ctc
    case .circle:
      return circle
    }
  }

  // MARK: - Shapes and values

  /// Shapes of rank 1 to 3 with dimensions 1 to 6.
  static let shapes = Gen.shape(rank: 1...3, dimension: 1...6)

  /// A whole-tensor generator from a shape.
  typealias Tensors = @Sendable ([Int]) -> Gen<TensorValue<Float>>

  static func values(in range: ClosedRange<Float>) -> Tensors {
    { shape in Gen.float(in: range).tensor(shape: shape) }
  }

  static let probabilities: Tensors = { shape in Gen.probabilities(shape: shape) }
  static let oneHot: Tensors = { shape in Gen.oneHot(shape: shape) }
  static let logits: Tensors = { shape in Gen.float(in: -1e4...1e4).tensor(shape: shape) }
  static let oneHotOrSoft: Tensors = { shape in Gen.oneOf(Gen.oneHot(shape: shape), Gen.probabilities(shape: shape)) }

  /// Binary targets: exact 0/1 labels or soft labels in [0, 1].
  static let binaryTargets = Gen.oneOf(Gen.element(of: [Float(0), 1]), Gen.float(in: 0...1))

  /// A PropertyCheck tensor as a LossCore tensor (the shapes always match their scalars).
  static func tensor(_ value: TensorValue<Float>) -> Tensor<Float> {
    try! Tensor(shape: value.shape, scalars: value.scalars)
  }

  /// Equal shapes, elementwise values, reduced along `axis`.
  static func elementwise(
    _ y: Gen<Float>, _ p: Gen<Float>, axis: Int = -1
  ) -> Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> {
    rows({ y.tensor(shape: $0) }, { p.tensor(shape: $0) }, axis: axis)
  }

  /// Equal shapes, whole tensors from `y` and `p`, reduced along `axis` (the last by default).
  static func rows(
    _ y: @escaping Tensors, _ p: @escaping Tensors, axis: Int = -1
  ) -> Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> {
    shapes.flatMap { shape in
      zip(y(shape), p(shape)).map { y, p in
        (tensor(y), tensor(p), reducedShape(shape, axes: [axis]))
      }
    }
  }

  /// Hinge labels: the whole tensor in {−1, 1}, or in {0, 1} (converted by Keras), or a mix that
  /// Keras leaves as it is.
  static func hingeLabels(_ p: Gen<Float>) -> Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> {
    let labelSets = Gen.element(of: [[Float(-1), 1], [0, 1], [-1, 0, 1]])
    return zip(shapes, labelSets).flatMap { shape, labels in
      zip(Gen.element(of: labels).tensor(shape: shape), p.tensor(shape: shape)).map { y, p in
        (tensor(y), tensor(p), reducedShape(shape, axes: [-1]))
      }
    }
  }

  /// Integer labels (as floats) and rows of `C` classes; some labels are `ignoreClass`.
  static func sparse(
    _ p: @escaping Tensors, ignoreClass: Int?, shapes: Gen<[Int]> = LossInputs.shapes
  ) -> Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> {
    shapes.flatMap { shape in
      let classes = shape[shape.count - 1]
      let label = ignoreClass.map { ignored in
        Gen.frequency([(4, Gen.int(in: 0..<classes)), (1, .constant(ignored))])
      } ?? Gen.int(in: 0..<classes)
      let labelShape = Array(shape.dropLast())
      return zip(label.tensor(shape: labelShape), p(shape)).map { labels, p in
        (try! Tensor(shape: labelShape, scalars: labels.scalars.map(Float.init)), tensor(p), labelShape)
      }
    }
  }

  /// Dice and tversky: targets in {0, 1} or soft, probabilities, reduced over `axis` (all when nil).
  static func overlap(axis: [Int]?) -> Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> {
    let rank = (axis?.map { $0 < 0 ? -$0 : $0 + 1 }.max() ?? 1)...3
    return Gen.shape(rank: rank, dimension: 1...6).flatMap { shape in
      zip(binaryTargets.tensor(shape: shape), Gen.float(in: 0...1).tensor(shape: shape)).map { y, p in
        let sampleShape = reducedShape(shape, axes: axis)
        return (tensor(y), tensor(p), sampleShape == [] ? nil : sampleShape)
      }
    }
  }

  /// CTC: labels (B, L) in [1, C) padded with 0, logits (B, T, C), with T long enough for the labels.
  static let ctc: Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> =
    zip(Gen.int(in: 1...3), Gen.int(in: 2...5), Gen.int(in: 0...4)).flatMap { batch, classes, maxLabels in
      let row = Gen.int(in: 0...maxLabels).flatMap { length in
        Gen.int(in: 1..<classes).array(count: length).map { labels in
          labels.map(Float.init) + Array(repeating: 0, count: maxLabels - length)
        }
      }
      return row.array(count: batch).flatMap { rows in
        let needed = rows.map { row -> Int in
          let labels = row.filter { $0 != 0 }
          return labels.count + zip(labels, labels.dropFirst()).filter { $0 == $1 }.count
        }.max() ?? 0
        return Gen.int(in: Swift.max(1, needed)...(needed + 4)).flatMap { steps in
          Gen.float(in: -30...30).tensor(shape: [batch, steps, classes]).map { logits in
            (try! Tensor(shape: [batch, maxLabels], scalars: rows.flatMap { $0 }), tensor(logits), [batch])
          }
        }
      }
    }

  /// Circle: B embeddings of D dimensions, normalised to unit length (zero rows stay zero), and
  /// labels from three classes.
  static let circle: Gen<(Tensor<Float>, Tensor<Float>, [Int]?)> =
    zip(Gen.int(in: 2...6), Gen.int(in: 1...4)).flatMap { batch, dimension in
      zip(Gen.int(in: 0...2).array(count: batch), Gen.float(in: -1...1).tensor(shape: [batch, dimension])).map {
        labels, embeddings in
        var scalars = embeddings.scalars
        for row in 0..<batch {
          let slice = scalars[(row * dimension)..<((row + 1) * dimension)]
          let norm = slice.reduce(0) { $0 + $1 * $1 }.squareRoot()
          if norm > 0 { for i in slice.indices { scalars[i] /= norm } }
        }
        return (
          try! Tensor(shape: [batch], scalars: labels.map(Float.init)),
          try! Tensor(shape: [batch, dimension], scalars: scalars), [batch]
        )
      }
    }

  /// `shape` less the reduced axes (all axes when nil).
  static func reducedShape(_ shape: [Int], axes: [Int]?) -> [Int] {
    guard let axes else { return [] }
    let resolved = Set(axes.compactMap { Shape.normalizedAxis($0, rank: shape.count) })
    return shape.indices.filter { !resolved.contains($0) }.map { shape[$0] }
  }
}
