/// Non-finite values a float generator may emit; none unless asked.
public struct FloatSpecials: OptionSet, Sendable {
  /// The option bits.
  public let rawValue: Int

  /// Creates a set from its bits.
  public init(rawValue: Int) {
    self.rawValue = rawValue
  }

  /// Quiet NaN.
  public static let nan = FloatSpecials(rawValue: 1)
  /// +∞ and −∞.
  public static let infinity = FloatSpecials(rawValue: 2)
  /// NaN, +∞ and −∞.
  public static let nonFinite: FloatSpecials = [.nan, .infinity]
}
