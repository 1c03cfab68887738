#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A 64-bit run seed that prints and parses as 16 hexadecimal digits.
///
/// A run with the same seed and configuration generates the same cases in the same order, so a
/// printed seed replays a failure. Set the environment variable `LOSSCHECK_SEED` to a seed to
/// replay it without touching the code.
public struct Seed: Hashable, Sendable, CustomStringConvertible {
  /// The seed's bits.
  public var value: UInt64

  /// The name of the environment variable that replays a seed.
  public static let environmentVariable = "LOSSCHECK_SEED"

  /// Creates a seed from its bits.
  public init(_ value: UInt64) {
    self.value = value
  }

  /// Parses 1 to 16 hexadecimal digits, with or without a `0x` prefix; nil for anything else.
  public init?(_ text: String) {
    var digits = Substring(text.trimmingWhitespace)
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
    guard (1...16).contains(digits.count), let value = UInt64(digits, radix: 16) else { return nil }
    self.value = value
  }

  /// The seed as exactly 16 upper-case hexadecimal digits.
  public var description: String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }

  /// The seed named by `LOSSCHECK_SEED`, or nil when it is unset.
  ///
  /// A value that does not parse stops the program with a message naming it: silently running a
  /// different seed would make a replay look like a pass.
  public static func fromEnvironment() -> Seed? {
    guard let raw = getenv(environmentVariable) else { return nil }
    let text = String(cString: raw)
    if text.trimmingWhitespace.isEmpty { return nil }
    guard let seed = Seed(text) else {
      fatalError("\(environmentVariable)=\(text) is not a seed: expected 1 to 16 hexadecimal digits")
    }
    return seed
  }

  /// A fresh seed from the system's entropy (used only to pick a seed, never to generate values).
  public static func random() -> Seed {
    var system = SystemRandomNumberGenerator()
    return Seed(system.next())
  }

  /// The seed of case `index` of a run: the run seed and the index mixed by SplitMix64.
  func caseSeed(_ index: Int) -> UInt64 {
    var state = value ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
    return Xoshiro256.splitMix64(&state)
  }
}

extension String {
  /// The string without leading and trailing spaces, tabs and newlines.
  var trimmingWhitespace: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(self[first...last])
  }
}
