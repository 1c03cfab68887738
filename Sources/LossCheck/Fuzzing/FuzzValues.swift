import LossCore

/// The value tables the fuzz decoder indexes into: IEEE special values, Keras's float32 clipping
/// constants and the exp/log overflow edges, as Float bit patterns.
///
/// A scalar is one byte `b`: `b < 0xC0` picks from the tensor's domain table (probabilities,
/// labels, logits, ...), `0xC0 ≤ b < 0xF0` picks `specials[(b − 0xC0) % specials.count]`, and
/// `b ≥ 0xF0` reads the next four bytes as a raw little-endian Float bit pattern.
public enum FuzzValues {
  /// The first byte of a scalar taken from `specials`.
  public static let specialEscape: UInt8 = 0xC0
  /// The first byte of a scalar read as four raw bytes.
  public static let rawEscape: UInt8 = 0xF0

  /// Special Float values, by bit pattern (the comment names each).
  public static let specialPatterns: [UInt32] = [
    0x7FC0_0000,  // quiet NaN
    0xFFC0_0000,  // negative quiet NaN
    0x7FA0_0000,  // signalling NaN
    0x7FC0_0001,  // NaN with a payload
    0x7F80_0000,  // +∞
    0xFF80_0000,  // −∞
    0x0000_0000,  // +0
    0x8000_0000,  // −0
    0x0000_0001,  // least subnormal
    0x8000_0001,  // −least subnormal
    0x007F_FFFF,  // greatest subnormal
    0x0080_0000,  // least normal
    0x8080_0000,  // −least normal
    0x33D6_BF95,  // Float(1e-7), Keras's epsilon
    0x3F7F_FFFE,  // 1 − 2⁻²³, Keras's 1 − epsilon in float32
    0x3F80_0000,  // 1
    0xBF80_0000,  // −1
    0x3F00_0000,  // 0.5
    0x4000_0000,  // 2
    0x42B1_7218,  // 88.72284, exp overflows above
    0xC2B1_7218,  // −88.72284
    0xC2CF_F1B4,  // −103.97208, exp underflows to 0 below
    0x42B2_0000,  // 89
    0xC2D0_0000,  // −104
    0x461C_4000,  // 1e4
    0xC61C_4000,  // −1e4
    0x7F7F_FFFF,  // greatest finite
    0xFF7F_FFFF,  // −greatest finite
    0x3F80_0001,  // 1 + 2⁻²³
    0x3356_BF95,  // Float(1e-7) / 2
    0x5F80_0000,  // 2⁶⁴, squares overflow
    0x1F80_0000,  // 2⁻⁶⁴, squares underflow
    0x4B80_0000,  // 2²⁴, integers stop being exact
    0x3DCC_CCCD,  // 0.1
    0x3F66_6666,  // 0.9
    0x4120_0000,  // 10
  ]

  /// `specialPatterns` as Floats.
  public static let specials: [Float] = specialPatterns.map(Float.init(bitPattern:))

  /// Values a tensor's ordinary (non-escape) bytes pick from.
  enum Domain: CaseIterable {
    /// Ordinary moderate values of both signs.
    case general
    /// Probabilities, with the clipping constants.
    case probability
    /// Binary labels 0 and 1.
    case binary
    /// Labels −1 and 1 (hinge).
    case signed
    /// Logits up to the exp overflow edges.
    case logits
    /// Sample weights: non-negative, zeros and integers favoured.
    case weight

    var table: [Float] {
      switch self {
      case .general: [0, 1, -1, 0.5, -0.5, 2, -2, 3, 0.25, -3, 10, 0.1, 100, -100, 1e-3, 7]
      case .probability:
        [0, 1, 0.5, 0.25, 0.75, 0.1, 0.9, Float(1e-7), 1 - 0x1p-23, 0.01, 0.99, 1e-30, 0.3, 0.6]
      case .binary: [0, 1]
      case .signed: [-1, 1]
      case .logits: [0, 1, -1, 5, -5, 20, -20, 88.72284, -88.72284, -103.97208, 1e4, -1e4, 0.5, 40]
      case .weight: [1, 0, 0.5, 2, 4, 0.25, 3, 1e-3]
      }
    }
  }
}
