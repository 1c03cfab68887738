import LossCore

// Candidates with a gradient kernel: the gradient properties of the catalogue run on them.
extension Candidate {
  /// This candidate with `gradient` as its gradient kernel (the gradient of the reduced loss with
  /// respect to `y_pred`, for `.none` of the sum of its elements, with `y_pred`'s shape).
  ///
  ///     let candidate = Candidate.float32Kernels.withGradient { loss, input in try myGradient(loss, input) }
  public func withGradient(
    name: String? = nil, _ gradient: @escaping @Sendable (Loss, LossInput) throws -> Tensor<Float>
  ) -> Candidate {
    var copy = self
    copy.name = name ?? self.name
    copy.gradient = gradient
    copy.checksReferenceGradient = false
    return copy
  }

  /// A value kernel and a gradient kernel over tensors for one reduction, without sample weights.
  ///
  ///     let candidate = Candidate.tensors(
  ///       name: "my MSE", value: { y, p in myMSE(y.scalars, p.scalars) },
  ///       gradient: { y, p in myMSEGradient(y.scalars, p.scalars) })
  ///
  /// - Parameter gradient: the gradient of the reduced loss with respect to `yPred`, one scalar per
  ///   element of `yPred` in its row-major order.
  public static func tensors(
    name: String, reduction: Reduction = .sumOverBatchSize, validatesInput: Bool = false,
    value: @escaping @Sendable (_ yTrue: Tensor<Float>, _ yPred: Tensor<Float>) throws -> Float,
    gradient: @escaping @Sendable (_ yTrue: Tensor<Float>, _ yPred: Tensor<Float>) throws -> [Float]
  ) -> Candidate {
    tensors(name: name, reduction: reduction, validatesInput: validatesInput, value).withGradient { _, input in
      try Tensor(shape: input.yPred.shape, scalars: try gradient(input.yTrue, input.yPred), argument: "gradient")
    }
  }

  /// A value kernel and a gradient kernel over raw buffers for one reduction, without sample
  /// weights: the form of a kernel written against pointers. The gradient kernel writes one scalar
  /// per element of `yPred` into `gradient`, which the caller allocates with `yPred`'s count (and
  /// fills with NaN first, so an element the kernel forgets shows).
  public static func buffers(
    name: String, reduction: Reduction = .sumOverBatchSize, validatesInput: Bool = false,
    value: @escaping @Sendable (
      _ yTrue: UnsafeBufferPointer<Float>, _ trueShape: [Int], _ yPred: UnsafeBufferPointer<Float>, _ predShape: [Int]
    ) throws -> Float,
    gradient: @escaping @Sendable (
      _ yTrue: UnsafeBufferPointer<Float>, _ trueShape: [Int], _ yPred: UnsafeBufferPointer<Float>,
      _ predShape: [Int], _ gradient: UnsafeMutableBufferPointer<Float>
    ) throws -> Void
  ) -> Candidate {
    buffers(name: name, reduction: reduction, validatesInput: validatesInput, value).withGradient { _, input in
      var scalars = [Float](repeating: .nan, count: input.yPred.count)
      try input.yTrue.scalars.withUnsafeBufferPointer { y in
        try input.yPred.scalars.withUnsafeBufferPointer { p in
          try scalars.withUnsafeMutableBufferPointer { out in
            try gradient(y, input.yTrue.shape, p, input.yPred.shape, out)
          }
        }
      }
      return try Tensor(shape: input.yPred.shape, scalars: scalars, argument: "gradient")
    }
  }

  /// The candidate's gradient on `input`; nil when it has no gradient kernel.
  func evaluateGradient(_ loss: Loss, _ input: LossInput) throws -> Tensor<Float>? {
    try gradient?(loss, input)
  }
}
