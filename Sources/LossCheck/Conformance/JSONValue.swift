/// A parsed JSON value: the small, typed document model the conformance files are read into.
///
/// The parser accepts RFC 8259 JSON plus the three non-finite number tokens Python's `json` module
/// writes for float values — `NaN`, `Infinity` and `-Infinity` — because the vectors are generated
/// in Python and an expected loss may legitimately be NaN or infinite. Foundation's
/// `JSONSerialization` rejects those tokens and cannot tell `true` from `1` on Linux, so the
/// conformance parser uses this one instead.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// Parses one complete JSON document; leading and trailing whitespace is allowed.
  ///
  /// Numbers are read with `Double(_:)`, which rounds correctly, so every number a float32 or
  /// float64 generator printed with `repr` comes back bit-exact.
  ///
  /// - Throws: `JSONValue.SyntaxError` with the 1-based column of the offending character.
  public init(parsing text: String) throws(JSONValue.SyntaxError) {
    var parser = Parser(bytes: Array(text.utf8))
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.isAtEnd else { throw parser.error("unexpected text after the JSON value") }
    self = value
  }

  /// A syntax error in a JSON document.
  public struct SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based column (in UTF-8 bytes) where parsing stopped.
    public let column: Int
    /// What was wrong there.
    public let reason: String

    public var description: String { "column \(column): \(reason)" }
  }

  /// A short name of the value's kind, for error messages ("a number", "an array", ...).
  public var kindDescription: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}

extension JSONValue: CustomStringConvertible {
  /// Compact JSON text. Non-finite numbers are written as Python writes them (`NaN`, `Infinity`).
  public var description: String {
    switch self {
    case .null: return "null"
    case .bool(let value): return value ? "true" : "false"
    case .number(let value): return Self.numberText(value)
    case .string(let value): return Self.quoted(value)
    case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
    case .object(let members):
      let body = members.keys.sorted().map { "\(Self.quoted($0)): \(members[$0]!.description)" }
      return "{" + body.joined(separator: ", ") + "}"
    }
  }

  /// A number as JSON text: integral values without a fraction, others in shortest round-trip form.
  static func numberText(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
    if value == 0 { return value.sign == .minus ? "-0.0" : "0" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return "\(value)"
  }

  /// A string as a JSON string literal.
  static func quoted(_ string: String) -> String {
    var result = "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}

// MARK: - Parser

extension JSONValue {
  /// A recursive-descent parser over UTF-8 bytes.
  private struct Parser {
    let bytes: [UInt8]
    var position = 0

    /// Nesting deeper than this is rejected rather than risking the stack.
    static let maximumDepth = 512

    init(bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    func error(_ reason: String) -> SyntaxError {
      SyntaxError(column: position + 1, reason: reason)
    }

    mutating func skipWhitespace() {
      while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
        position += 1
      }
    }

    mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
      guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth)") }
      guard position < bytes.count else { throw error("unexpected end of input, expected a value") }
      switch bytes[position] {
      case UInt8(ascii: "{"): return try parseObject(depth: depth)
      case UInt8(ascii: "["): return try parseArray(depth: depth)
      case UInt8(ascii: "\""): return .string(try parseString())
      case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
      case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
      case UInt8(ascii: "n"): try expectLiteral("null"); return .null
      case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number(.nan)
      case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number(.infinity)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
      default: throw error("unexpected character, expected a value")
      }
    }

    mutating func expectLiteral(_ literal: String) throws(SyntaxError) {
      let utf8 = Array(literal.utf8)
      guard bytes.count - position >= utf8.count,
        Array(bytes[position..<position + utf8.count]) == utf8
      else { throw error("invalid literal, expected `\(literal)`") }
      position += utf8.count
    }

    mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONValue {
      position += 1  // {
      var members: [String: JSONValue] = [:]
      skipWhitespace()
      if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
        position += 1
        return .object(members)
      }
      while true {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
          throw error("expected a string key")
        }
        let keyStart = position
        let key = try parseString()
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "expected `:` after an object key")
        skipWhitespace()
        let value = try parseValue(depth: depth + 1)
        guard members.updateValue(value, forKey: key) == nil else {
          throw SyntaxError(column: keyStart + 1, reason: "duplicate key \"\(key)\"")
        }
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input inside an object") }
        if bytes[position] == UInt8(ascii: ",") {
          position += 1
        } else if bytes[position] == UInt8(ascii: "}") {
          position += 1
          return .object(members)
        } else {
          throw error("expected `,` or `}` in an object")
        }
      }
    }

    mutating func parseArray(depth: Int) throws(SyntaxError) -> JSONValue {
      position += 1  // [
      var items: [JSONValue] = []
      skipWhitespace()
      if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
        position += 1
        return .array(items)
      }
      while true {
        skipWhitespace()
        items.append(try parseValue(depth: depth + 1))
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input inside an array") }
        if bytes[position] == UInt8(ascii: ",") {
          position += 1
        } else if bytes[position] == UInt8(ascii: "]") {
          position += 1
          return .array(items)
        } else {
          throw error("expected `,` or `]` in an array")
        }
      }
    }

    mutating func expect(_ byte: UInt8, _ reason: String) throws(SyntaxError) {
      guard position < bytes.count, bytes[position] == byte else { throw error(reason) }
      position += 1
    }

    /// Reads the JSON number grammar (`-`? int frac? exp?), or `-Infinity`.
    mutating func parseNumber() throws(SyntaxError) -> Double {
      let start = position
      if bytes[position] == UInt8(ascii: "-") {
        position += 1
        if position < bytes.count, bytes[position] == UInt8(ascii: "I") {
          try expectLiteral("Infinity")
          return -.infinity
        }
      }
      guard position < bytes.count, isDigit(bytes[position]) else { throw error("expected a digit") }
      if bytes[position] == UInt8(ascii: "0") {
        position += 1
        if position < bytes.count, isDigit(bytes[position]) {
          throw error("leading zeros are not allowed")
        }
      } else {
        skipDigits()
      }
      if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
        position += 1
        guard position < bytes.count, isDigit(bytes[position]) else {
          throw error("expected a digit after the decimal point")
        }
        skipDigits()
      }
      if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
        position += 1
        if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
          position += 1
        }
        guard position < bytes.count, isDigit(bytes[position]) else {
          throw error("expected a digit in the exponent")
        }
        skipDigits()
      }
      let text = String(decoding: bytes[start..<position], as: UTF8.self)
      guard let value = Double(text) else {
        throw SyntaxError(column: start + 1, reason: "number `\(text)` is not representable")
      }
      return value
    }

    func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    mutating func skipDigits() {
      while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    mutating func parseString() throws(SyntaxError) -> String {
      position += 1  // opening quote
      var scalars = String.UnicodeScalarView()
      var runStart = position
      func flushRun(_ end: Int) {
        scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
      }
      while position < bytes.count {
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "\""):
          flushRun(position)
          position += 1
          return String(scalars)
        case UInt8(ascii: "\\"):
          flushRun(position)
          position += 1
          scalars.append(try parseEscape())
          runStart = position
        case 0x00..<0x20:
          throw error("control character inside a string")
        default:
          position += 1
        }
      }
      throw error("unterminated string")
    }

    mutating func parseEscape() throws(SyntaxError) -> Unicode.Scalar {
      guard position < bytes.count else { throw error("unterminated escape") }
      let byte = bytes[position]
      position += 1
      switch byte {
      case UInt8(ascii: "\""): return "\""
      case UInt8(ascii: "\\"): return "\\"
      case UInt8(ascii: "/"): return "/"
      case UInt8(ascii: "b"): return "\u{08}"
      case UInt8(ascii: "f"): return "\u{0C}"
      case UInt8(ascii: "n"): return "\n"
      case UInt8(ascii: "r"): return "\r"
      case UInt8(ascii: "t"): return "\t"
      case UInt8(ascii: "u"):
        let high = try parseHex4()
        if (0xD800..<0xDC00).contains(high) {
          guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
            bytes[position + 1] == UInt8(ascii: "u")
          else { throw error("unpaired high surrogate") }
          position += 2
          let low = try parseHex4()
          guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate") }
          return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw error("unpaired low surrogate") }
        return scalar
      default:
        throw error("invalid escape")
      }
    }

    mutating func parseHex4() throws(SyntaxError) -> UInt32 {
      guard bytes.count - position >= 4,
        bytes[position..<position + 4].allSatisfy({ ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) || isDigit($0) }),
        let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
      else { throw error("expected four hexadecimal digits") }
      position += 4
      return value
    }
  }
}
