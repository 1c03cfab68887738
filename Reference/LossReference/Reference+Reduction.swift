import LossCore

extension Reference {
  /// Keras's `reduce_weighted_values`: applies the mask to the sample weights, multiplies the losses
  /// by the weights (after rank alignment, with broadcasting), then reduces.
  ///
  /// With a mask under `sum_over_batch_size`/`mean`, each valid entry is weighted by
  /// total / valid (0 when nothing is valid), so the mean runs over valid entries only; under the
  /// other reductions the mask weighs 0 or 1. Divisions are `divide_no_nan`.
  ///
  /// - Throws: `LossError.incompatibleShapes` naming `sample_weight` when it does not broadcast
  ///   against the per-sample losses.
  static func reduce(
    _ unreduced: Unreduced, sampleWeight: Tensor<Double>?, reduction: Reduction, dtype: DType
  ) throws -> Tensor<Double> {
    var values = unreduced.values
    var weight = sampleWeight.map { $0.map(dtype.rounded) }

    if let mask = unreduced.mask {
      let total = Double(mask.count)
      let valid = Double(mask.lazy.filter { $0 }.count)
      let maskWeight: Double
      switch reduction {
      case .sumOverBatchSize, .mean: maskWeight = valid == 0 ? 0 : total / valid
      case .sum, .meanWithSampleWeight, .none: maskWeight = 1
      }
      let floatMask = try Tensor(shape: values.shape, scalars: mask.map { $0 ? maskWeight : 0 })
      if let w = weight {
        weight = try multiply(w, floatMask, weightShape: w.shape, lossShape: values.shape)
      } else {
        weight = floatMask
      }
    }

    if let w = weight {
      values = try multiply(values, w, weightShape: w.shape, lossShape: values.shape)
    }

    if reduction == .none || values.shape == [] || values.shape == [0] {
      return values
    }
    let total = ReferenceMath.sum(values.scalars)
    switch reduction {
    case .sum, .none:
      return Tensor(scalar: total)
    case .sumOverBatchSize, .mean, .meanWithSampleWeight:
      let divisor: Double
      if reduction == .meanWithSampleWeight, let w = weight {
        divisor = ReferenceMath.sum(w.scalars)
      } else {
        divisor = Double(values.count)
      }
      return Tensor(scalar: divisor == 0 ? 0 : total / divisor)
    }
  }

  /// `a * b` after `squeeze_or_expand_to_same_rank(a, b)`, with NumPy broadcasting.
  private static func multiply(
    _ a: Tensor<Double>, _ b: Tensor<Double>, weightShape: [Int], lossShape: [Int]
  ) throws -> Tensor<Double> {
    let (aShape, bShape) = Shape.alignRanks(a.shape, b.shape)
    guard let shape = Shape.broadcast(aShape, bShape) else {
      throw LossError.incompatibleShapes(
        argument: "sample_weight", shape: weightShape, other: "per-sample losses", otherShape: lossShape,
        reason: "sample weights must match the per-sample losses, differ by a trailing 1, or broadcast")
    }
    let aIndices = Shape.broadcastIndices(from: aShape, to: shape)
    let bIndices = Shape.broadcastIndices(from: bShape, to: shape)
    let scalars = zip(aIndices, bIndices).map { a.scalars[$0] * b.scalars[$1] }
    return try Tensor(shape: shape, scalars: scalars)
  }
}
