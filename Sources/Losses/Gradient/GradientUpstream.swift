import LossCore

/// The derivative of the reduced value (summed, for `.none`) with respect to each per-sample loss:
/// the chain rule through Keras's `reduce_weighted_values`, in Double.
///
/// The reduced value is Σₖ l[i(k)]·w[j(k)] / D over the broadcast product of the losses l and the
/// weights w (sample weights times the float mask, after rank alignment), so
/// ∂/∂lᵢ = Σ_{k: i(k) = i} w[j(k)] / D, where D is 1 for `sum`, `none` and a passed-through scalar or
/// empty result, the element count of the product for `sum_over_batch_size`/`mean`, and Σw for
/// `mean_with_sample_weight`; a zero D gives zero (`divide_no_nan`). Weights, the mask weight
/// total/valid and D are constants. Without weights or mask every lane gets the same factor.
struct GradientUpstream {
  /// The factor shared by every lane, when there are no weights or mask.
  let uniform: Double?
  /// The factor of each lane otherwise.
  let lanes: [Double]

  /// The factor of lane `i`.
  @inline(__always)
  subscript(_ i: Int) -> Double { uniform ?? lanes[i] }

  /// One factor for every lane.
  init(uniform: Double) {
    self.uniform = uniform
    self.lanes = []
  }

  /// The factors of Keras's reduction of `losses`.
  ///
  /// - Throws: `LossError.incompatibleShapes` naming `sample_weight` when the weights do not
  ///   broadcast against the losses (or the mask), as the forward reduction does.
  init(_ losses: PerSampleLosses, sampleWeight: Operand?, reduction: Reduction) throws {
    let shape: [Int]
    let count: Int
    var mask: [Bool]? = nil
    switch losses {
    case .sum(_, let n, let s):
      (count, shape) = (n, s)
    case .values(let values, let s, let m):
      (count, shape, mask) = (values.count, s, m)
    }
    let passthrough = shape == [] || shape == [0]
    var weight: (values: [Double], shape: [Int])? = sampleWeight.map { ($0.scalars.map(Double.init), $0.shape) }
    if let mask {
      let valid = mask.lazy.filter { $0 }.count
      let inside: Double
      switch reduction {
      case .sumOverBatchSize, .mean: inside = valid == 0 ? 0 : Double(mask.count) / Double(valid)
      case .sum, .meanWithSampleWeight, .none: inside = 1
      }
      let floatMask = (mask.map { $0 ? inside : 0 }, shape)
      if let w = weight {
        let product = try Self.broadcast(w.shape, floatMask.1, weightShape: w.shape, lossShape: shape)
        weight = (zip(product.first, product.second).map { w.values[$0] * floatMask.0[$1] }, product.shape)
      } else {
        weight = floatMask
      }
    }
    guard let weight else {
      let divisor = passthrough || reduction == .none || reduction == .sum ? 1 : Double(count)
      self.init(uniform: count == 0 ? 0 : 1 / divisor, lanes: [])
      return
    }
    let product = try Self.broadcast(shape, weight.shape, weightShape: sampleWeight?.shape ?? weight.shape, lossShape: shape)
    let divisor: Double
    if reduction == .none || reduction == .sum || product.shape == [] || product.shape == [0] {
      divisor = 1
    } else if reduction == .meanWithSampleWeight {
      divisor = weight.values.reduce(0, +)
    } else {
      divisor = Double(product.first.count)
    }
    var factors = [Double](repeating: 0, count: count)
    if divisor != 0 {
      for (i, j) in zip(product.first, product.second) { factors[i] += weight.values[j] }
      for i in factors.indices { factors[i] /= divisor }
    }
    self.init(uniform: nil, lanes: factors)
  }

  private init(uniform: Double?, lanes: [Double]) {
    self.uniform = uniform
    self.lanes = lanes
  }

  /// The broadcast of two shapes after Keras's rank alignment, with the index maps of both.
  private static func broadcast(
    _ a: [Int], _ b: [Int], weightShape: [Int], lossShape: [Int]
  ) throws -> (shape: [Int], first: [Int], second: [Int]) {
    let (aShape, bShape) = Shape.alignRanks(a, b)
    guard let shape = Shape.broadcast(aShape, bShape) else {
      throw LossError.incompatibleShapes(
        argument: "sample_weight", shape: weightShape, other: "per-sample losses", otherShape: lossShape,
        reason: "sample weights must match the per-sample losses, differ by a trailing 1, or broadcast")
    }
    return (shape, Shape.broadcastIndices(from: aShape, to: shape), Shape.broadcastIndices(from: bShape, to: shape))
  }
}

/// `y_true` and `y_pred` as contiguous lanes along the reduced axes, with the way back to `y_pred`.
///
/// In place (no copy) when both have one shape (up to Keras's rank alignment) and the reduced axes
/// are the innermost in order; otherwise both are broadcast and transposed into lane-major copies,
/// the gradient is computed on the copy and folded back onto `y_pred`'s elements, the copies of an
/// element summed in Double. The shapes must already have been validated (by the forward kernel).
struct GradientLanes {
  /// The number of lanes and their length.
  let count: Int
  let length: Int
  /// Lane-major copies (empty when in place).
  private let y: [Float]
  private let p: [Float]
  /// For each element of the copies, the `y_pred` element it came from (empty when in place).
  private let predIndex: [Int]
  /// For each element of the copies, its flat index in the common shape (empty when in place).
  private let commonIndices: [Int]
  let inPlace: Bool

  init(_ yTrue: Operand, _ yPred: Operand, axes: [Int]?) {
    let (trueShape, predShape) = Shape.alignRanks(yTrue.shape, yPred.shape)
    let shape = Shape.broadcast(trueShape, predShape) ?? predShape
    var reduced: [Int] = []
    for axis in axes ?? Array(shape.indices) {
      if let a = Shape.normalizedAxis(axis, rank: shape.count), !reduced.contains(a) { reduced.append(a) }
    }
    let kept = shape.indices.filter { !reduced.contains($0) }
    let order = kept + reduced
    length = reduced.reduce(1) { $0 * shape[$1] }
    count = kept.reduce(1) { $0 * shape[$1] }
    if trueShape == predShape && order == Array(shape.indices) {
      inPlace = true
      (y, p, predIndex, commonIndices) = ([], [], [], [])
      return
    }
    inPlace = false
    let permutation = Shape.transposedOffsets(shape: shape, order: order)
    let yIndices = Shape.broadcastIndices(from: trueShape, to: shape)
    let pIndices = Shape.broadcastIndices(from: predShape, to: shape)
    commonIndices = permutation
    predIndex = permutation.map { pIndices[$0] }
    y = permutation.map { yTrue.scalars[yIndices[$0]] }
    p = predIndex.map { yPred.scalars[$0] }
  }

  /// The flat index in the common (broadcast) shape of element `k` of the lane-major layout.
  @inline(__always)
  func commonIndex(_ k: Int) -> Int { inPlace ? k : commonIndices[k] }

  /// Runs `body(y, p, gradient)` on the lanes and leaves the gradient with respect to `y_pred` in
  /// `out`; `body` must write every element of its gradient buffer.
  func run(
    _ yTrue: Operand, _ yPred: Operand, _ out: UnsafeMutableBufferPointer<Float>,
    _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
  ) {
    guard count * length > 0 else {
      for i in out.indices { out[i] = 0 }
      return
    }
    if inPlace {
      body(yTrue.base, yPred.base, out.baseAddress!)
      return
    }
    var work = [Float](repeating: 0, count: predIndex.count)
    y.withUnsafeBufferPointer { y in
      p.withUnsafeBufferPointer { p in
        work.withUnsafeMutableBufferPointer { w in body(y.baseAddress!, p.baseAddress!, w.baseAddress!) }
      }
    }
    var total = [Double](repeating: 0, count: out.count)
    for (k, index) in predIndex.enumerated() { total[index] += Double(work[k]) }
    for i in out.indices { out[i] = Float(total[i]) }
  }
}
