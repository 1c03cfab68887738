/// A fuzzer's bytes, read front to back; every read past the end gives 0, so any byte string
/// (the empty one included) decodes, and decoding is a pure function of the bytes.
struct FuzzBytes {
  private let bytes: [UInt8]
  /// How many bytes have been read (reads past the end count too).
  private(set) var position = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// The next byte, or 0 past the end.
  mutating func byte() -> UInt8 {
    defer { position += 1 }
    return position < bytes.count ? bytes[position] : 0
  }

  /// The next four bytes, little-endian.
  mutating func uint32() -> UInt32 {
    var value: UInt32 = 0
    for shift in stride(from: 0, to: 32, by: 8) {
      value |= UInt32(byte()) << UInt32(shift)
    }
    return value
  }

  /// The element of `table` the next byte selects (byte modulo the count).
  mutating func choose<T>(_ table: [T]) -> T {
    table[Int(byte()) % table.count]
  }
}
