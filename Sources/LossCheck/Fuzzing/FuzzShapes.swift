import LossCore

/// Decodes the shapes of a fuzz input: the loss's own structure most of the time, sometimes with
/// Keras's rank alignment, sometimes independent (mismatched, empty or scalar) shapes.
enum FuzzShapes {
  /// How a loss's tensors are laid out.
  enum Structure {
    /// `y_true` and `y_pred` of one shape.
    case elementwise
    /// Integer labels (…) and predictions (…, C): sparse categorical, generalized crossentropy.
    case sparse
    /// Labels (B, L) and logits (B, T, C).
    case ctc
    /// Labels (B,) and embeddings (B, D).
    case circle

    init(_ loss: Loss) {
      switch loss {
      case .sparseCategoricalCrossentropy, .categoricalGeneralizedCrossEntropy: self = .sparse
      case .ctc: self = .ctc
      case .circle: self = .circle
      default: self = .elementwise
      }
    }
  }

  /// The structure with the class count labels are drawn against.
  enum Kind {
    case elementwise
    case sparse(classes: Int)
    case ctc(classes: Int)
    case circle(classes: Int)
  }

  /// The decoded shapes.
  struct Layout {
    var yTrue: [Int]
    var yPred: [Int]
    /// The shape sample weights usually take (the per-sample losses' shape, roughly).
    var perSample: [Int]
    var kind: Kind
  }

  static let dimensions = [1, 2, 3, 4, 1, 2, 3, 5, 8, 2, 3, 4, 1, 6, 0, 2]

  static func decode(_ structure: Structure, _ reader: inout FuzzBytes) -> Layout {
    let mode = reader.byte() % 8
    if mode == 6 {
      let yTrue = shape(rank: reader.choose([0, 1, 2, 3, 4, 1, 2]), &reader)
      let yPred = shape(rank: reader.choose([0, 1, 2, 3, 4, 1, 2]), &reader)
      let classes = Swift.max(yPred.last ?? 1, 1)
      let kind: Kind =
        switch structure {
        case .elementwise: .elementwise
        case .sparse: .sparse(classes: classes)
        case .ctc: .ctc(classes: classes)
        case .circle: .circle(classes: 3)
        }
      return Layout(yTrue: yTrue, yPred: yPred, perSample: Array(yPred.dropLast()), kind: kind)
    }
    let aligned = mode == 7
    switch structure {
    case .elementwise:
      let shape = shape(rank: reader.choose([1, 2, 2, 3, 1, 2, 3, 4]), &reader)
      var yTrue = shape
      if aligned { yTrue = shape.last == 1 ? Array(shape.dropLast()) : shape + [1] }
      return Layout(yTrue: yTrue, yPred: shape, perSample: Array(shape.dropLast()), kind: .elementwise)
    case .sparse:
      let shape = shape(rank: reader.choose([1, 2, 2, 3]), &reader)
      let labels = Array(shape.dropLast())
      return Layout(
        yTrue: aligned ? labels + [1] : labels, yPred: shape, perSample: labels,
        kind: .sparse(classes: shape.last ?? 0))
    case .ctc:
      let (batch, steps, classes) = (dimension(&reader), dimension(&reader), dimension(&reader))
      let length = reader.choose([0, 1, 2, 3, 4, 2, 1])
      let logits = capped([batch, steps, classes])
      let labels = capped([logits[0], length])
      return Layout(
        yTrue: aligned ? labels + [1] : labels, yPred: logits, perSample: [logits[0]],
        kind: .ctc(classes: logits[2]))
    case .circle:
      let embeddings = capped([dimension(&reader), dimension(&reader)])
      let batch = embeddings[0]
      return Layout(
        yTrue: aligned ? [batch, 1] : [batch], yPred: embeddings, perSample: [batch], kind: .circle(classes: 3))
    }
  }

  /// The sample-weight shape: none, the per-sample shape, a scalar, the shape of `y_pred`, or any.
  static func decodeWeightShape(_ layout: Layout, _ reader: inout FuzzBytes) -> [Int]? {
    switch reader.byte() % 8 {
    case 4: layout.perSample
    case 5: []
    case 6: layout.yPred
    case 7: shape(rank: reader.choose([0, 1, 2, 3]), &reader)
    default: nil
    }
  }

  static func dimension(_ reader: inout FuzzBytes) -> Int {
    reader.choose(dimensions)
  }

  static func shape(rank: Int, _ reader: inout FuzzBytes) -> [Int] {
    capped((0..<rank).map { _ in dimension(&reader) })
  }

  /// `shape` with its largest dimensions halved until it holds at most `FuzzInput.maximumElements`.
  static func capped(_ shape: [Int]) -> [Int] {
    var shape = shape
    while shape.reduce(1, *) > FuzzInput.maximumElements, let largest = shape.indices.max(by: { shape[$0] < shape[$1] }) {
      shape[largest] = Swift.max(1, shape[largest] / 2)
    }
    return shape
  }
}
