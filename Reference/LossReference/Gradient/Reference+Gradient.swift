import LossCore

extension Reference {
  /// The gradient of the reduced loss with respect to `yPred`: an analytic derivative, not finite
  /// differences, with the semantics of JAX autodiff through Keras 3.15.1's code.
  ///
  /// The differentiated quantity is what `evaluate` returns with the same arguments, and for
  /// `.none` the sum of its elements. The result has `yPred`'s shape (when `yPred` is broadcast
  /// against `yTrue`, the contributions of its copies are summed, as autodiff does).
  ///
  /// Conventions, all JAX's (each is checked by the gradient conformance vectors):
  /// - A clipped input gets no gradient. Exactly *at* a bound of `clip`, `maximum` or `minimum` the
  ///   gradient is halved: JAX's `max`/`min` split it ½/½ between the two tied arguments, and
  ///   `jnp.clip` is `minimum(maximum(x, low), high)`. Example: KL divergence with p = 1 = its upper
  ///   clip bound gets −½·y/p.
  /// - `where` sends the whole gradient to the branch it selected: Huber at |e| = δ takes the
  ///   quadratic branch (e), and entries SCCE ignores get exactly 0.
  /// - |x| has derivative sign(x), which is 0 at 0; `max` over a class axis splits the gradient
  ///   equally among tied maxima; uᵞ has derivative γ·uᵞ⁻¹ even for γ = 0 (JAX special-cases only
  ///   integer exponents), so it is NaN at u = 0 there.
  /// - Everything the reduction divides by or multiplies with is a constant: sample weights, the
  ///   mask weight total/valid, `mean_with_sample_weight`'s Σw, the element count, and the masks
  ///   themselves (circle's l > 0, `ignore_class`).
  /// - Where JAX's gradient is not finite, neither is this one: a zero `y_pred` vector in cosine
  ///   similarity (Keras 3.15.1 multiplies 0 by the infinite derivative of rsqrt at 0), focal
  ///   crossentropy with γ < 1 where p_t = 1, generalized crossentropy where p_t = 0.
  ///
  /// `as dtype` has `evaluate`'s meaning: `.float32` rounds the inputs, options and weights to Float
  /// and uses the float32 clipping constants, with Double arithmetic; the result is not rounded.
  ///
  /// - Returns: a tensor of `yPred`'s shape.
  /// - Throws: exactly the errors `evaluate` throws for the same arguments.
  public static func gradient(
    _ loss: Loss, yTrue: Tensor<Double>, yPred: Tensor<Double>,
    sampleWeight: Tensor<Double>? = nil, reduction: Reduction = .sumOverBatchSize,
    as dtype: DType = .float64
  ) throws -> Tensor<Double> {
    let unreduced = try perSampleLosses(loss, yTrue: yTrue, yPred: yPred, as: dtype)
    let upstream = try reductionCotangents(
      unreduced, sampleWeight: sampleWeight, reduction: reduction, dtype: dtype)
    let scalars = try perSampleGradient(
      loss, yTrue: yTrue.map(dtype.rounded), yPred: yPred.map(dtype.rounded), upstream: upstream,
      dtype: dtype)
    return try Tensor(shape: yPred.shape, scalars: scalars, argument: "y_pred")
  }

  /// The derivative of the reduced value (summed, for `.none`) with respect to each per-sample
  /// loss: the chain rule through Keras's `reduce_weighted_values`.
  ///
  /// The reduced value is Σₖ l[i(k)]·w[j(k)] / D over the broadcast product of the losses l and the
  /// weights w (the sample weights times the float mask, after rank alignment), so
  /// ∂/∂lᵢ = Σ_{k: i(k) = i} w[j(k)] / D. D is 1 for `sum`, `none` and a scalar passed through; the
  /// element count of the product for `sum_over_batch_size`/`mean`; Σw for
  /// `mean_with_sample_weight`. Neither w nor D depends on `y_pred`. A zero D (`divide_no_nan`)
  /// gives a zero derivative.
  static func reductionCotangents(
    _ unreduced: Unreduced, sampleWeight: Tensor<Double>?, reduction: Reduction, dtype: DType
  ) throws -> [Double] {
    // The forward reduction throws the shape errors; run it so the gradient throws the same ones.
    _ = try reduce(unreduced, sampleWeight: sampleWeight, reduction: reduction, dtype: dtype)
    let values = unreduced.values
    var weight = sampleWeight.map { $0.map(dtype.rounded) }
    if let mask = unreduced.mask {
      let valid = Double(mask.lazy.filter { $0 }.count)
      let maskWeight: Double
      switch reduction {
      case .sumOverBatchSize, .mean: maskWeight = valid == 0 ? 0 : Double(mask.count) / valid
      case .sum, .meanWithSampleWeight, .none: maskWeight = 1
      }
      let floatMask = try Tensor(shape: values.shape, scalars: mask.map { $0 ? maskWeight : 0 })
      weight = try weight.map { try BroadcastProduct($0, floatMask).tensor } ?? floatMask
    }
    guard let weight else {
      let passthrough = reduction == .none || values.shape == [] || values.shape == [0]
      let divisor = passthrough || reduction == .sum ? 1 : Double(values.count)
      return Array(repeating: 1 / divisor, count: values.count)
    }
    let product = try BroadcastProduct(values, weight)
    let divisor: Double
    if reduction == .none || reduction == .sum || product.shape == [] || product.shape == [0] {
      divisor = 1
    } else if reduction == .meanWithSampleWeight {
      divisor = ReferenceMath.sum(weight.scalars)
    } else {
      divisor = Double(product.count)
    }
    guard divisor != 0 else { return Array(repeating: 0, count: values.count) }
    let weights = product.summedOntoFirst { _, w in w }
    return weights.map { $0 / divisor }
  }
}

/// `a * b` as Keras multiplies losses and weights: `squeeze_or_expand_to_same_rank(a, b)`, then NumPy
/// broadcasting. Keeps the index maps, so a derivative can be summed back onto `a`'s elements.
struct BroadcastProduct {
  /// The broadcast shape.
  let shape: [Int]
  /// For each element of the product, the offsets of its two factors.
  let firstIndices: [Int]
  let secondIndices: [Int]
  let first: Tensor<Double>
  let second: Tensor<Double>

  /// - Throws: `LossError.incompatibleShapes` naming `sample_weight` when the shapes do not broadcast
  ///   (the only use: weights against losses or a mask).
  init(_ first: Tensor<Double>, _ second: Tensor<Double>) throws {
    let (firstShape, secondShape) = Shape.alignRanks(first.shape, second.shape)
    guard let shape = Shape.broadcast(firstShape, secondShape) else {
      throw LossError.incompatibleShapes(
        argument: "sample_weight", shape: second.shape, other: "per-sample losses", otherShape: first.shape,
        reason: "sample weights must match the per-sample losses, differ by a trailing 1, or broadcast")
    }
    self.shape = shape
    self.first = first
    self.second = second
    firstIndices = Shape.broadcastIndices(from: firstShape, to: shape)
    secondIndices = Shape.broadcastIndices(from: secondShape, to: shape)
  }

  /// The number of elements of the product.
  var count: Int { firstIndices.count }

  /// The elementwise product.
  var tensor: Tensor<Double> {
    // The count matches `shape` by construction.
    try! Tensor(shape: shape, scalars: zip(firstIndices, secondIndices).map { first.scalars[$0] * second.scalars[$1] })
  }

  /// For each element of `first`, the sum of `term(a, b)` over the product elements it feeds.
  func summedOntoFirst(_ term: (Double, Double) -> Double) -> [Double] {
    var terms = Array(repeating: [Double](), count: first.count)
    for (i, j) in zip(firstIndices, secondIndices) {
      terms[i].append(term(first.scalars[i], second.scalars[j]))
    }
    return terms.map { ReferenceMath.sum($0) }
  }
}
