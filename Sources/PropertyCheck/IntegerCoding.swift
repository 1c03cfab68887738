/// The map between an integer range and its choice values: 0 is the origin, then outward.
///
/// The origin is 0 when the range holds it, else the bound nearest 0. Choices alternate around
/// the origin while both sides have room (origin, +1, −1, +2, −2, …), then continue on the
/// longer side, so choice order is "closer to the origin first, positive first on a tie".
/// All arithmetic is on 64-bit two's-complement patterns, so any range of a ≤ 64-bit type fits.
struct IntegerCoding: Sendable {
  /// The origin's bit pattern, sign-extended to 64 bits.
  let origin: UInt64
  /// How far the range reaches below and above the origin.
  let down: UInt64
  let up: UInt64

  /// The largest choice: the number of values in the range, minus one.
  var bound: UInt64 { down &+ up }

  init<I: FixedWidthInteger>(_ range: ClosedRange<I>) {
    precondition(I.bitWidth <= 64, "integers wider than 64 bits are not supported")
    let origin: I = range.lowerBound > 0 ? range.lowerBound : (range.upperBound < 0 ? range.upperBound : 0)
    self.origin = UInt64(truncatingIfNeeded: origin)
    down = self.origin &- UInt64(truncatingIfNeeded: range.lowerBound)
    up = UInt64(truncatingIfNeeded: range.upperBound) &- self.origin
  }

  /// The value of choice `c`, as a 64-bit pattern.
  func value(_ c: UInt64) -> UInt64 {
    let both = min(down, up)
    if c <= both &* 2 {
      return c & 1 == 1 ? origin &+ (c / 2 + 1) : origin &- c / 2
    }
    let beyond = both &+ (c &- both &* 2)
    return up > down ? origin &+ beyond : origin &- beyond
  }

  /// The choice of the value with bit pattern `bits` (which must lie in the range).
  func choice(_ bits: UInt64) -> UInt64 {
    let both = min(down, up)
    let above = bits &- origin
    let below = origin &- bits
    // Exactly one of `above`, `below` is the true distance: the one within that side's reach.
    if above <= up {
      return above <= both ? (above == 0 ? 0 : above * 2 - 1) : both * 2 + (above - both)
    }
    return below <= both ? below * 2 : both * 2 + (below - both)
  }

  /// A random proposal: half uniform over the range, a quarter near the origin (scaled by
  /// `size`), a quarter at the extremes.
  func propose(_ rng: inout Xoshiro256, size: Int) -> UInt64 {
    let bits = rng.next()
    switch bits & 7 {
    case 0, 1, 2, 3: return rng.next(upTo: bound)
    case 4, 5: return rng.next(upTo: min(bound, UInt64(2 * size + 8)))
    case 6: return bound
    default: return bits >> 3 & 1 == 0 ? choice(origin &- down) : choice(origin &+ up)
    }
  }
}

extension Gen where Value: FixedWidthInteger {
  /// Integers in `range`, shrinking toward 0 (or toward the bound nearest 0).
  ///
  /// Random cases mix uniform values, small values and the range's extremes.
  public static func integer(in range: ClosedRange<Value>) -> Gen<Value> {
    let coding = IntegerCoding(range)
    return Gen { source in
      let proposal = source.isRandom ? coding.propose(&source.rng, size: source.size) : 0
      let choice = source.draw(upTo: coding.bound, proposal: proposal)
      return Value(truncatingIfNeeded: coding.value(choice))
    }
  }

  /// Integers in `range`, shrinking toward 0 (or toward the bound nearest 0).
  public static func integer(in range: Range<Value>) -> Gen<Value> {
    precondition(!range.isEmpty, "integer(in:) needs a non-empty range")
    return integer(in: range.lowerBound...(range.upperBound - 1))
  }
}

extension Gen where Value == Int {
  /// `Int`s in `range`, shrinking toward 0 (or toward the bound nearest 0).
  public static func int(in range: ClosedRange<Int>) -> Gen<Int> {
    integer(in: range)
  }

  /// `Int`s in `range`, shrinking toward 0 (or toward the bound nearest 0).
  public static func int(in range: Range<Int>) -> Gen<Int> {
    integer(in: range)
  }
}
