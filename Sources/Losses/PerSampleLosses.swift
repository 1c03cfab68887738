import LossCore

/// A kernel's result before the batch reduction: per-sample losses in Double, or only their sum.
enum PerSampleLosses {
  /// Only Σ lᵢ over `count` samples of `shape`: the allocation-free path, taken when there are no
  /// weights, no mask and the result is reduced.
  case sum(Double, count: Int, shape: [Int])
  /// Every per-sample loss, with the mask of the entries that count (`nil`: all count).
  case values([Double], shape: [Int], mask: [Bool]?)
}

extension PerSampleLosses {
  /// Runs `kernel` with the sink the reduction needs: an `Accumulator` when only the sum is needed,
  /// a `SampleBuffer` otherwise.
  @inline(__always)
  static func collect(
    count: Int, shape: [Int], needsValues: Bool,
    _ kernel: (inout Accumulator) throws -> Void, _ keep: (inout SampleBuffer) throws -> Void
  ) rethrows -> PerSampleLosses {
    if needsValues {
      var buffer = SampleBuffer(capacity: count)
      try keep(&buffer)
      return .values(buffer.values, shape: shape, mask: nil)
    }
    var accumulator = Accumulator()
    try kernel(&accumulator)
    return .sum(accumulator.sum, count: accumulator.count, shape: shape)
  }
}
