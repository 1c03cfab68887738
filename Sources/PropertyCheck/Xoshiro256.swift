/// The xoshiro256** generator, seeded through SplitMix64, with our own bits-to-value mappings.
///
/// Every value PropertyCheck generates comes from this type, never from the standard library's
/// `random(in:)`, so a seed replays the same values on every toolchain and machine.
public struct Xoshiro256: Sendable {
  @usableFromInline var s0: UInt64
  @usableFromInline var s1: UInt64
  @usableFromInline var s2: UInt64
  @usableFromInline var s3: UInt64

  /// Creates a generator whose 256-bit state is expanded from `seed` by SplitMix64.
  ///
  /// SplitMix64 never yields four zero words in a row, so the state is never the all-zero
  /// state on which xoshiro stalls.
  public init(seed: UInt64) {
    var mixer = seed
    s0 = Xoshiro256.splitMix64(&mixer)
    s1 = Xoshiro256.splitMix64(&mixer)
    s2 = Xoshiro256.splitMix64(&mixer)
    s3 = Xoshiro256.splitMix64(&mixer)
  }

  /// Creates a generator from its full 256-bit state, which must not be all zeros.
  public init(state: (UInt64, UInt64, UInt64, UInt64)) {
    precondition(state != (0, 0, 0, 0), "xoshiro256** stalls on the all-zero state")
    (s0, s1, s2, s3) = state
  }

  /// The full 256-bit state; `Xoshiro256(state:)` resumes from it.
  public var state: (UInt64, UInt64, UInt64, UInt64) {
    (s0, s1, s2, s3)
  }

  /// Advances a SplitMix64 state and returns its next output.
  public static func splitMix64(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Returns the next 64 random bits.
  @inlinable @inline(__always)
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }

  /// Returns an unbiased value in `0...bound` (Lemire's multiply-and-reject method).
  @inlinable
  public mutating func next(upTo bound: UInt64) -> UInt64 {
    if bound == .max { return next() }
    let span = bound &+ 1
    var product = next().multipliedFullWidth(by: span)
    if product.low < span {
      let threshold = (0 &- span) % span
      while product.low < threshold {
        product = next().multipliedFullWidth(by: span)
      }
    }
    return product.high
  }

  /// Returns a Double uniformly spread over `[0, 1)` on a grid of 2⁻⁵³.
  public mutating func nextUnit() -> Double {
    Double(next() >> 11) * 0x1p-53
  }
}
