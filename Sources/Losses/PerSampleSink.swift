/// Where a kernel sends each per-sample loss, in lane order.
///
/// A kernel is generic over its sink, so the reduced path (`Accumulator`) sums in registers with no
/// allocation, and the other paths (`SampleBuffer`) keep every value for weights, masks or `none`.
/// Values travel in Double: they are rounded to Float once, at the end.
@usableFromInline
protocol PerSampleSink {
  /// Receives the loss of the next sample.
  mutating func append(_ value: Double)
}

/// Sums the per-sample losses in Double.
///
/// The error of a Double sum of n values is at most (n − 1)·2⁻⁵³·Σ|lᵢ|, far below one Float ULP of
/// the result for any n below 2²⁵ when the terms do not cancel.
@usableFromInline
struct Accumulator: PerSampleSink {
  @usableFromInline var sum = 0.0
  @usableFromInline var count = 0

  @inlinable init() {}

  @inlinable @inline(__always)
  mutating func append(_ value: Double) {
    sum += value
    count += 1
  }

  /// Adds the sum of `samples` per-sample losses at once.
  @inlinable @inline(__always)
  mutating func append(sum value: Double, samples: Int) {
    sum += value
    count += samples
  }
}

/// Keeps every per-sample loss.
@usableFromInline
struct SampleBuffer: PerSampleSink {
  @usableFromInline var values: [Double] = []

  @inlinable init(capacity: Int) {
    values.reserveCapacity(capacity)
  }

  @inlinable @inline(__always)
  mutating func append(_ value: Double) {
    values.append(value)
  }
}
