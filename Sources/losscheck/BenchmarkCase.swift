import LossCore

/// One benchmarked loss: its Keras name (with `_from_logits` for those variants), the options it
/// runs with, and how its inputs are drawn and shaped for a given element count.
struct BenchmarkCase: Sendable {
  /// The JSON `case` field, e.g. `binary_crossentropy_from_logits`.
  let name: String
  /// The loss and options.
  let loss: Loss
  /// The inputs for about `count` elements of `y_pred`.
  let inputs: @Sendable (_ count: Int, _ random: inout BenchmarkRandom) -> BenchmarkInputs

  /// Every loss of the catalogue, and the from-logits variant of each loss that has one.
  static let all: [BenchmarkCase] = {
    let rows = BenchmarkInputs.rows
    let uniform = { @Sendable (r: inout BenchmarkRandom) in r.float(in: 0.01...0.99) }
    let signed = { @Sendable (r: inout BenchmarkRandom) in r.float(in: -2...2) }
    let logit = { @Sendable (r: inout BenchmarkRandom) in r.float(in: -8...8) }
    let binary = { @Sendable (r: inout BenchmarkRandom) -> Float in r.float(in: 0...1) < 0.5 ? 0 : 1 }
    let sign = { @Sendable (r: inout BenchmarkRandom) -> Float in r.float(in: 0...1) < 0.5 ? -1 : 1 }
    let elementwise = { (name: String, loss: Loss, y: @escaping @Sendable (inout BenchmarkRandom) -> Float,
                         p: @escaping @Sendable (inout BenchmarkRandom) -> Float) in
      BenchmarkCase(name: name, loss: loss) { n, r in rows(n, &r, y, p) }
    }
    return [
      elementwise("mean_squared_error", .meanSquaredError, signed, signed),
      elementwise("mean_absolute_error", .meanAbsoluteError, signed, signed),
      elementwise("mean_absolute_percentage_error", .meanAbsolutePercentageError,
                  { r in r.float(in: 0.5...2) }, signed),
      elementwise("mean_squared_logarithmic_error", .meanSquaredLogarithmicError, uniform, uniform),
      elementwise("cosine_similarity", .cosineSimilarity(), signed, signed),
      elementwise("huber", .huber(), signed, signed),
      elementwise("log_cosh", .logCosh, signed, signed),
      elementwise("hinge", .hinge, sign, signed),
      elementwise("squared_hinge", .squaredHinge, sign, signed),
      BenchmarkCase(name: "categorical_hinge", loss: .categoricalHinge) { n, r in .oneHot(n, &r, p: signed) },
      BenchmarkCase(name: "kl_divergence", loss: .klDivergence) { n, r in .simplex(n, &r) },
      elementwise("poisson", .poisson, { r in r.float(in: 0...4).rounded() }, { r in r.float(in: 0.1...4) }),
      elementwise("binary_crossentropy", .binaryCrossentropy(), binary, uniform),
      elementwise("binary_crossentropy_from_logits", .binaryCrossentropy(fromLogits: true), binary, logit),
      elementwise("binary_focal_crossentropy", .binaryFocalCrossentropy(), binary, uniform),
      elementwise("binary_focal_crossentropy_from_logits", .binaryFocalCrossentropy(fromLogits: true), binary, logit),
      BenchmarkCase(name: "categorical_crossentropy", loss: .categoricalCrossentropy()) { n, r in
        .oneHot(n, &r, p: uniform)
      },
      BenchmarkCase(name: "categorical_crossentropy_from_logits", loss: .categoricalCrossentropy(fromLogits: true)) {
        n, r in .oneHot(n, &r, p: logit)
      },
      BenchmarkCase(name: "categorical_focal_crossentropy", loss: .categoricalFocalCrossentropy()) { n, r in
        .oneHot(n, &r, p: uniform)
      },
      BenchmarkCase(
        name: "categorical_focal_crossentropy_from_logits", loss: .categoricalFocalCrossentropy(fromLogits: true)
      ) { n, r in .oneHot(n, &r, p: logit) },
      BenchmarkCase(name: "sparse_categorical_crossentropy", loss: .sparseCategoricalCrossentropy()) { n, r in
        .labels(n, &r, p: uniform)
      },
      BenchmarkCase(
        name: "sparse_categorical_crossentropy_from_logits", loss: .sparseCategoricalCrossentropy(fromLogits: true)
      ) { n, r in .labels(n, &r, p: logit) },
      BenchmarkCase(name: "ctc", loss: .ctc) { n, r in .ctc(n, &r) },
      elementwise("dice", .dice(axis: [1]), binary, uniform),
      elementwise("tversky", .tversky(axis: [1]), binary, uniform),
      BenchmarkCase(name: "circle", loss: .circle()) { n, r in .circle(n, &r) },
      BenchmarkCase(name: "categorical_generalized_cross_entropy", loss: .categoricalGeneralizedCrossEntropy()) {
        n, r in .labels(n, &r, p: uniform)
      },
    ]
  }()
}

/// The inputs of one benchmark run, in Float for the kernel and in Double for the reference.
struct BenchmarkInputs {
  let trueShape: [Int]
  let predShape: [Int]
  let yTrue: [Float]
  let yPred: [Float]

  /// The number of elements of `y_pred`, the unit of every throughput figure.
  var count: Int { yPred.count }

  /// The classes (or features) per row: categorical losses run on rows of 1024, as the issue sets.
  static let rowLength = 1024

  /// Rows of 1024 elements, drawn elementwise.
  static func rows(
    _ n: Int, _ r: inout BenchmarkRandom, _ y: (inout BenchmarkRandom) -> Float, _ p: (inout BenchmarkRandom) -> Float
  ) -> BenchmarkInputs {
    let shape = [Swift.max(1, n / rowLength), Swift.min(n, rowLength)]
    let count = shape[0] * shape[1]
    return BenchmarkInputs(
      trueShape: shape, predShape: shape, yTrue: (0..<count).map { _ in y(&r) }, yPred: (0..<count).map { _ in p(&r) })
  }

  /// One-hot rows of 1024 classes, predictions drawn elementwise.
  static func oneHot(_ n: Int, _ r: inout BenchmarkRandom, p: (inout BenchmarkRandom) -> Float) -> BenchmarkInputs {
    let base = rows(n, &r, { _ in 0 }, p)
    var y = base.yTrue
    for row in 0..<base.predShape[0] {
      y[row * base.predShape[1] + r.int(below: base.predShape[1])] = 1
    }
    return BenchmarkInputs(trueShape: base.trueShape, predShape: base.predShape, yTrue: y, yPred: base.yPred)
  }

  /// Rows of 1024 probabilities on the simplex for both arguments.
  static func simplex(_ n: Int, _ r: inout BenchmarkRandom) -> BenchmarkInputs {
    let base = rows(n, &r, { r in r.float(in: 0.01...1) }, { r in r.float(in: 0.01...1) })
    let width = base.predShape[1]
    let normalize = { (v: [Float]) -> [Float] in
      (0..<(v.count / width)).flatMap { row -> [Float] in
        let slice = v[(row * width)..<((row + 1) * width)]
        let total = slice.reduce(0, +)
        return slice.map { $0 / total }
      }
    }
    return BenchmarkInputs(
      trueShape: base.trueShape, predShape: base.predShape, yTrue: normalize(base.yTrue), yPred: normalize(base.yPred))
  }

  /// Integer labels, one per row of 1024 predictions.
  static func labels(_ n: Int, _ r: inout BenchmarkRandom, p: (inout BenchmarkRandom) -> Float) -> BenchmarkInputs {
    let base = rows(n, &r, { _ in 0 }, p)
    let labels = (0..<base.predShape[0]).map { _ in Float(r.int(below: base.predShape[1])) }
    return BenchmarkInputs(trueShape: [base.predShape[0]], predShape: base.predShape, yTrue: labels, yPred: base.yPred)
  }

  /// CTC: logits (B, 64 steps, 64 classes) and 8 labels per sample in [1, 64).
  static func ctc(_ n: Int, _ r: inout BenchmarkRandom) -> BenchmarkInputs {
    let (steps, classes, labelLength) = (64, 64, 8)
    let batch = Swift.max(1, n / (steps * classes))
    let labels = (0..<(batch * labelLength)).map { _ in Float(1 + r.int(below: classes - 1)) }
    let logits = (0..<(batch * steps * classes)).map { _ in r.float(in: -4...4) }
    return BenchmarkInputs(
      trueShape: [batch, labelLength], predShape: [batch, steps, classes], yTrue: labels, yPred: logits)
  }

  /// Circle: 64 unit-norm embeddings of n / 64 dimensions, labels from 8 classes. The pairwise
  /// work grows as 64·n, so every size stays practical for the reference too.
  static func circle(_ n: Int, _ r: inout BenchmarkRandom) -> BenchmarkInputs {
    let batch = 64
    let dimension = Swift.max(1, n / batch)
    var embeddings = (0..<(batch * dimension)).map { _ in r.float(in: -1...1) }
    for row in 0..<batch {
      let slice = embeddings[(row * dimension)..<((row + 1) * dimension)]
      let norm = slice.reduce(0) { $0 + $1 * $1 }.squareRoot()
      for i in (row * dimension)..<((row + 1) * dimension) { embeddings[i] /= norm }
    }
    let labels = (0..<batch).map { _ in Float(r.int(below: 8)) }
    return BenchmarkInputs(trueShape: [batch], predShape: [batch, dimension], yTrue: labels, yPred: embeddings)
  }
}

/// SplitMix64: a small deterministic generator, so every benchmark run sees the same inputs.
struct BenchmarkRandom {
  private var state: UInt64

  init(seed: UInt64) {
    state = seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A Float uniformly spread over `range` (24 random bits).
  mutating func float(in range: ClosedRange<Float>) -> Float {
    let unit = Float(next() >> 40) * 0x1p-24
    return range.lowerBound + unit * (range.upperBound - range.lowerBound)
  }

  /// An integer in [0, bound), bound ≥ 1 (a negligible modulo bias is fine for benchmark inputs).
  mutating func int(below bound: Int) -> Int {
    Int(next() % UInt64(bound))
  }
}
