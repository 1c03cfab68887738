import LossCore

extension Float32Loss {
  /// Whether the kernel must keep every per-sample loss rather than only their sum.
  static func needsValues(reduction: Reduction, sampleWeight: Operand?) -> Bool {
    reduction == .none || sampleWeight != nil
  }

  /// Keras's `reduce_weighted_values` on the per-sample losses, in Double, rounded to Float once.
  ///
  /// Masked entries weigh total / valid under `sum_over_batch_size`/`mean` (0 when none is valid)
  /// and 0 or 1 otherwise; weights align with `squeeze_or_expand_to_same_rank` and broadcast;
  /// divisions are `divide_no_nan`. A scalar or an empty (0,) result is returned unreduced.
  ///
  /// - Throws: `LossError.incompatibleShapes` naming `sample_weight` when it does not broadcast.
  static func reduce(
    _ losses: PerSampleLosses, sampleWeight: Operand?, reduction: Reduction
  ) throws -> Tensor<Float> {
    switch losses {
    case .sum(let sum, let count, let shape):
      if shape == [] || shape == [0] {
        return try Tensor(shape: shape, scalars: count == 0 ? [] : [Float(sum)])
      }
      switch reduction {
      case .sum, .none:
        return Tensor(scalar: Float(sum))
      case .sumOverBatchSize, .mean, .meanWithSampleWeight:
        return Tensor(scalar: count == 0 ? 0 : Float(sum / Double(count)))
      }
    case .values(let values, let shape, let mask):
      return try reduce(values, shape: shape, mask: mask, sampleWeight: sampleWeight, reduction: reduction)
    }
  }

  private static func reduce(
    _ values: [Double], shape: [Int], mask: [Bool]?, sampleWeight: Operand?, reduction: Reduction
  ) throws -> Tensor<Float> {
    var losses = (values: values, shape: shape)
    var weight: (values: [Double], shape: [Int])? = sampleWeight.map { ($0.scalars.map(Double.init), $0.shape) }
    if let mask {
      let valid = mask.lazy.filter { $0 }.count
      let inside: Double
      switch reduction {
      case .sumOverBatchSize, .mean: inside = valid == 0 ? 0 : Double(mask.count) / Double(valid)
      case .sum, .meanWithSampleWeight, .none: inside = 1
      }
      let maskWeight = (mask.map { $0 ? inside : 0 }, shape)
      weight = try weight.map { try product($0, maskWeight, weightShape: $0.shape, lossShape: shape) } ?? maskWeight
    }
    if let w = weight {
      losses = try product(losses, w, weightShape: w.shape, lossShape: shape)
    }
    if reduction == .none || losses.shape == [] || losses.shape == [0] {
      return try Tensor(shape: losses.shape, scalars: losses.values.map(Float.init))
    }
    let total = losses.values.reduce(0, +)
    switch reduction {
    case .sum, .none:
      return Tensor(scalar: Float(total))
    case .sumOverBatchSize, .mean, .meanWithSampleWeight:
      let divisor: Double
      if reduction == .meanWithSampleWeight, let w = weight {
        divisor = w.values.reduce(0, +)
      } else {
        divisor = Double(losses.values.count)
      }
      return Tensor(scalar: divisor == 0 ? 0 : Float(total / divisor))
    }
  }

  /// `a * b` after Keras's rank alignment, with broadcasting.
  private static func product(
    _ a: (values: [Double], shape: [Int]), _ b: (values: [Double], shape: [Int]), weightShape: [Int],
    lossShape: [Int]
  ) throws -> (values: [Double], shape: [Int]) {
    let (aShape, bShape) = Shape.alignRanks(a.shape, b.shape)
    guard let shape = Shape.broadcast(aShape, bShape) else {
      throw LossError.incompatibleShapes(
        argument: "sample_weight", shape: weightShape, other: "per-sample losses", otherShape: lossShape,
        reason: "sample weights must match the per-sample losses, differ by a trailing 1, or broadcast")
    }
    let aIndices = Shape.broadcastIndices(from: aShape, to: shape)
    let bIndices = Shape.broadcastIndices(from: bShape, to: shape)
    return (zip(aIndices, bIndices).map { a.values[$0] * b.values[$1] }, shape)
  }
}
