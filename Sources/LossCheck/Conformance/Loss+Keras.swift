import LossCore

extension Loss {
  /// Builds a loss from its Keras function name and constructor options, as the conformance vectors
  /// spell them: `Loss(kerasName: "binary_crossentropy", options: ["from_logits": .bool(true)])`.
  ///
  /// Options use Keras's argument names (`from_logits`, `label_smoothing`, `axis`, `delta`, `alpha`,
  /// `gamma`, `apply_class_balancing`, `ignore_class`, `beta`, `q`, `margin`, `remove_diagonal`); a
  /// missing key takes Keras's default. Value kinds are checked, not domains: an out-of-domain value
  /// such as `label_smoothing: 2` is accepted here and rejected by `validate()` at evaluation time,
  /// exactly where Keras rejects it.
  ///
  /// Accepted kinds: booleans for `from_logits`, `apply_class_balancing`, `remove_diagonal`; numbers
  /// for the rest, except that `axis` is an integer (for `dice`/`tversky` an integer, a list of
  /// integers or `null` = all axes), `ignore_class` is an integer or `null`, and categorical focal's
  /// `alpha` is a number or a list of per-class numbers.
  ///
  /// - Throws: `LossError.invalidOption` naming `loss` for an unknown name, or naming the option for
  ///   an option the loss does not take or a value of the wrong kind.
  public init(kerasName: String, options: [String: JSONValue] = [:]) throws {
    guard let name = LossName(rawValue: kerasName) else {
      throw LossError.invalidOption(
        name: "loss", value: kerasName,
        expected: "a Keras loss name (\(LossName.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    var reader = KerasOptionReader(loss: name, options: options)
    switch name {
    case .meanSquaredError: self = .meanSquaredError
    case .meanAbsoluteError: self = .meanAbsoluteError
    case .meanAbsolutePercentageError: self = .meanAbsolutePercentageError
    case .meanSquaredLogarithmicError: self = .meanSquaredLogarithmicError
    case .cosineSimilarity:
      self = .cosineSimilarity(axis: try reader.integer("axis", default: -1))
    case .huber:
      self = .huber(delta: try reader.number("delta", default: 1))
    case .logCosh: self = .logCosh
    case .hinge: self = .hinge
    case .squaredHinge: self = .squaredHinge
    case .categoricalHinge: self = .categoricalHinge
    case .klDivergence: self = .klDivergence
    case .poisson: self = .poisson
    case .binaryCrossentropy:
      self = .binaryCrossentropy(
        fromLogits: try reader.bool("from_logits", default: false),
        labelSmoothing: try reader.number("label_smoothing", default: 0),
        axis: try reader.integer("axis", default: -1))
    case .binaryFocalCrossentropy:
      self = .binaryFocalCrossentropy(
        applyClassBalancing: try reader.bool("apply_class_balancing", default: false),
        alpha: try reader.number("alpha", default: 0.25),
        gamma: try reader.number("gamma", default: 2),
        fromLogits: try reader.bool("from_logits", default: false),
        labelSmoothing: try reader.number("label_smoothing", default: 0),
        axis: try reader.integer("axis", default: -1))
    case .categoricalCrossentropy:
      self = .categoricalCrossentropy(
        fromLogits: try reader.bool("from_logits", default: false),
        labelSmoothing: try reader.number("label_smoothing", default: 0),
        axis: try reader.integer("axis", default: -1))
    case .categoricalFocalCrossentropy:
      self = .categoricalFocalCrossentropy(
        alpha: try reader.numberOrList("alpha", default: [0.25]),
        gamma: try reader.number("gamma", default: 2),
        fromLogits: try reader.bool("from_logits", default: false),
        labelSmoothing: try reader.number("label_smoothing", default: 0),
        axis: try reader.integer("axis", default: -1))
    case .sparseCategoricalCrossentropy:
      self = .sparseCategoricalCrossentropy(
        fromLogits: try reader.bool("from_logits", default: false),
        ignoreClass: try reader.optionalInteger("ignore_class"),
        axis: try reader.integer("axis", default: -1))
    case .ctc: self = .ctc
    case .dice:
      self = .dice(axis: try reader.axes("axis"))
    case .tversky:
      self = .tversky(
        alpha: try reader.number("alpha", default: 0.5),
        beta: try reader.number("beta", default: 0.5),
        axis: try reader.axes("axis"))
    case .circle:
      self = .circle(
        gamma: try reader.number("gamma", default: 80),
        margin: try reader.number("margin", default: 0.4),
        removeDiagonal: try reader.bool("remove_diagonal", default: true))
    case .categoricalGeneralizedCrossEntropy:
      self = .categoricalGeneralizedCrossEntropy(q: try reader.number("q", default: 0.5))
    }
    try reader.rejectUnreadOptions()
  }
}

/// Reads typed options out of a Keras options dictionary, remembering which keys were read so that
/// any key left over can be reported as an option the loss does not take.
private struct KerasOptionReader {
  let loss: LossName
  let options: [String: JSONValue]
  var read: [String] = []

  init(loss: LossName, options: [String: JSONValue]) {
    self.loss = loss
    self.options = options
  }

  mutating func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
    guard let value = take(key) else { return defaultValue }
    guard case .bool(let flag) = value else { throw mismatch(key, value, "a boolean") }
    return flag
  }

  mutating func number(_ key: String, default defaultValue: Double) throws -> Double {
    guard let value = take(key) else { return defaultValue }
    guard case .number(let number) = value else { throw mismatch(key, value, "a number") }
    return number
  }

  mutating func integer(_ key: String, default defaultValue: Int) throws -> Int {
    guard let value = take(key) else { return defaultValue }
    guard let integer = Self.integer(value) else { throw mismatch(key, value, "an integer") }
    return integer
  }

  /// An integer, or `nil` when the key is missing or `null` (Keras's `None`).
  mutating func optionalInteger(_ key: String) throws -> Int? {
    guard let value = take(key), value != .null else { return nil }
    guard let integer = Self.integer(value) else { throw mismatch(key, value, "an integer or null") }
    return integer
  }

  /// A number applied to every class, or a list of per-class numbers.
  mutating func numberOrList(_ key: String, default defaultValue: [Double]) throws -> [Double] {
    guard let value = take(key) else { return defaultValue }
    switch value {
    case .number(let number):
      return [number]
    case .array(let items):
      return try items.map { item in
        guard case .number(let number) = item else {
          throw mismatch(key, value, "a number or a list of numbers")
        }
        return number
      }
    default:
      throw mismatch(key, value, "a number or a list of numbers")
    }
  }

  /// Dice and Tversky's `axis`: `null` or missing (all axes), an integer, or a list of integers.
  mutating func axes(_ key: String) throws -> [Int]? {
    guard let value = take(key), value != .null else { return nil }
    if let axis = Self.integer(value) { return [axis] }
    let integers = if case .array(let items) = value { items.compactMap(Self.integer) } else { [Int]() }
    guard case .array(let items) = value, integers.count == items.count else {
      throw mismatch(key, value, "null, an integer or a list of integers")
    }
    return integers
  }

  /// Throws for the first option (in sorted order) that no accessor read.
  func rejectUnreadOptions() throws {
    guard let unknown = options.keys.sorted().first(where: { !read.contains($0) }) else { return }
    let accepted = read.isEmpty ? "no options" : "one of " + read.joined(separator: ", ")
    throw LossError.invalidOption(
      name: unknown, value: options[unknown]!.description,
      expected: "an option of \(loss.rawValue), which takes \(accepted)")
  }

  private mutating func take(_ key: String) -> JSONValue? {
    read.append(key)
    return options[key]
  }

  private func mismatch(_ key: String, _ value: JSONValue, _ expected: String) -> LossError {
    LossError.invalidOption(name: key, value: value.description, expected: "\(expected) for \(loss.rawValue)")
  }

  /// A JSON number that is integral and fits in `Int`.
  private static func integer(_ value: JSONValue) -> Int? {
    guard case .number(let number) = value, number == number.rounded(.towardZero),
      abs(number) < 0x1p62
    else { return nil }
    return Int(number)
  }
}
