/// A bijection between non-negative Doubles and `UInt64` choices that orders simple values first.
///
/// Choices below 2⁶³ are the integers themselves (so 0, 1, 2, … come first, in order). Choices at
/// or above 2⁶³ carry any other Double: the exponent is stored by distance from 2⁰ (exponents of
/// [1, 2), [2, 4), … before those of [0.5, 1), …), and the fractional mantissa bits are stored
/// bit-reversed, so a value with fewer fractional bits (2.5 before 2.3) has a smaller choice.
/// Minimising a choice therefore moves a float toward 0, then integers, then short binary
/// fractions, as Hypothesis's float shrinker does.
enum FloatEncoding {
  static let flag: UInt64 = 1 << 63
  static let mantissaMask: UInt64 = (1 << 52) - 1

  /// The choice of a non-negative finite `magnitude`.
  static func encode(_ magnitude: Double) -> UInt64 {
    if magnitude < 0x1p53 && magnitude == magnitude.rounded(.towardZero) {
      return UInt64(magnitude)
    }
    let bits = magnitude.bitPattern
    let unbiased = Int(bits >> 52 & 0x7FF) - 1023
    let rank = UInt64(unbiased >= 0 ? unbiased : 1024 - unbiased)
    let mantissa = reverseFraction(bits & mantissaMask, unbiased: unbiased)
    return flag | rank << 52 | mantissa
  }

  /// The non-negative Double of a choice (possibly infinite or NaN for choices no value encodes).
  static func decode(_ choice: UInt64) -> Double {
    if choice < flag { return Double(choice) }
    let rank = Int(choice >> 52 & 0x7FF)
    let unbiased = rank <= 1024 ? rank : 1024 - rank
    let mantissa = reverseFraction(choice & mantissaMask, unbiased: unbiased)
    return Double(bitPattern: UInt64(unbiased + 1023) << 52 | mantissa)
  }

  /// Reverses the mantissa bits below the binary point of a number with this exponent.
  static func reverseFraction(_ mantissa: UInt64, unbiased: Int) -> UInt64 {
    let fractionBits = unbiased <= 0 ? 52 : max(52 - unbiased, 0)
    if fractionBits == 0 { return mantissa }
    let low = mantissa & ((1 << UInt64(fractionBits)) - 1)
    let reversed = reverse(low) >> UInt64(64 - fractionBits)
    return mantissa & ~((1 << UInt64(fractionBits)) - 1) | reversed
  }

  /// The bits of `x` in reverse order.
  static func reverse(_ x: UInt64) -> UInt64 {
    var v = x
    v = (v >> 1 & 0x5555_5555_5555_5555) | (v & 0x5555_5555_5555_5555) << 1
    v = (v >> 2 & 0x3333_3333_3333_3333) | (v & 0x3333_3333_3333_3333) << 2
    v = (v >> 4 & 0x0F0F_0F0F_0F0F_0F0F) | (v & 0x0F0F_0F0F_0F0F_0F0F) << 4
    v = (v >> 8 & 0x00FF_00FF_00FF_00FF) | (v & 0x00FF_00FF_00FF_00FF) << 8
    v = (v >> 16 & 0x0000_FFFF_0000_FFFF) | (v & 0x0000_FFFF_0000_FFFF) << 16
    return v >> 32 | v << 32
  }
}
