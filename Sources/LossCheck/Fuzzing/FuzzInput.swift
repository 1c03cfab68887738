import LossCore

/// A loss with its options and one input to it, decoded from a fuzzer's bytes.
///
/// Decoding is total (every byte string decodes, reads past the end give 0) and deterministic.
/// The layout, one byte each unless said otherwise:
///
/// 1. the loss: `LossName.allCases[b % 22]`;
/// 2. the options: `b < 0x40` takes `Catalogue.configurations(of:)[b % count]`, otherwise each
///    option is decoded from the following bytes, sometimes out of its domain (NaN, ±∞, negative,
///    above 1, a value that rounds to 0 or ∞ in Float, ...);
/// 3. the layout: `b % 8` in 0...5 gives the loss's own shapes, 6 independent shapes for `y_true`
///    and `y_pred` (mostly mismatched), 7 the loss's shapes with Keras's rank alignment (a
///    trailing axis of 1 added to or dropped from `y_true`); then the dimensions (1 to 8, sometimes 0,
///    at most `maximumElements` scalars per tensor);
/// 4. the reduction: `Reduction.allCases[b % 5]`;
/// 5. the sample weights: `b % 8` in 0...3 none, 4 the per-sample shape, 5 a scalar, 6 the shape
///    of `y_pred`, 7 an independent shape;
/// 6. the value domain of each tensor, then its scalars, one byte each as `FuzzValues` describes
///    (table entry, special value, or four raw bytes).
public struct FuzzInput: Sendable, Hashable {
  /// The loss and its options.
  public var loss: Loss
  /// The tensors, weights and reduction.
  public var input: LossInput

  /// The most scalars one decoded tensor holds.
  public static let maximumElements = 96

  public init(loss: Loss, input: LossInput) {
    self.loss = loss
    self.input = input
  }

  /// The loss the first byte selects, without decoding the rest (for harnesses that fuzz a family).
  public static func lossName(of bytes: [UInt8]) -> LossName {
    LossName.allCases[Int(bytes.first ?? 0) % LossName.allCases.count]
  }

  /// Decodes `bytes`; any bytes decode, the same bytes always to the same input.
  public static func decode(_ bytes: [UInt8]) -> FuzzInput {
    var reader = FuzzBytes(bytes)
    let name = LossName.allCases[Int(reader.byte()) % LossName.allCases.count]
    let optionByte = reader.byte()
    let loss: Loss
    if optionByte < 0x40 {
      let configurations = Catalogue.configurations(of: name)
      loss = configurations[Int(optionByte) % configurations.count]
    } else {
      loss = FuzzOptions.decode(name, &reader)
    }
    let layout = FuzzShapes.decode(FuzzShapes.Structure(loss), &reader)
    let kind = layout.kind
    let reduction = Reduction.allCases[Int(reader.byte()) % Reduction.allCases.count]
    let weightShape = FuzzShapes.decodeWeightShape(layout, &reader)

    let yTrue = scalars(count: layout.yTrue, domain: trueDomain(kind, &reader), &reader)
    let yPred = scalars(count: layout.yPred, domain: predDomain(kind, &reader), &reader)
    let weights = weightShape.map { scalars(count: $0, domain: .values(.weight), &reader) }
    let input = LossInput(
      yTrue: tensor(layout.yTrue, yTrue), yPred: tensor(layout.yPred, yPred),
      sampleWeight: weightShape.map { tensor($0, weights ?? []) }, reduction: reduction)
    return FuzzInput(loss: loss, input: input)
  }

  // MARK: - Values

  /// Where a tensor's ordinary bytes take their values.
  enum ValueSource {
    /// One of `FuzzValues`'s tables.
    case values(FuzzValues.Domain)
    /// Integer class labels in [0, classes), the byte modulo `classes + 1` (so one in `classes + 1`
    /// is out of range).
    case labels(classes: Int)
  }

  static func trueDomain(_ kind: FuzzShapes.Kind, _ reader: inout FuzzBytes) -> ValueSource {
    let selector = reader.byte()
    switch kind {
    case .sparse(let classes), .ctc(let classes), .circle(let classes):
      // Integer labels most of the time; sometimes any values.
      return selector % 4 == 3 ? .values(.general) : .labels(classes: classes)
    case .elementwise:
      return .values(
        [FuzzValues.Domain.binary, .probability, .general, .signed, .binary, .probability][Int(selector) % 6])
    }
  }

  static func predDomain(_ kind: FuzzShapes.Kind, _ reader: inout FuzzBytes) -> ValueSource {
    .values([FuzzValues.Domain.probability, .logits, .general, .probability][Int(reader.byte()) % 4])
  }

  static func scalars(count shape: [Int], domain: ValueSource, _ reader: inout FuzzBytes) -> [Float] {
    let count = shape.reduce(1, *)
    return (0..<count).map { _ in scalar(domain, &reader) }
  }

  static func scalar(_ source: ValueSource, _ reader: inout FuzzBytes) -> Float {
    let byte = reader.byte()
    if byte >= FuzzValues.rawEscape { return Float(bitPattern: reader.uint32()) }
    if byte >= FuzzValues.specialEscape {
      return FuzzValues.specials[Int(byte - FuzzValues.specialEscape) % FuzzValues.specials.count]
    }
    switch source {
    case .values(let domain):
      let table = domain.table
      return table[Int(byte) % table.count]
    case .labels(let classes):
      return Float(Int(byte) % (Swift.max(classes, 0) + 1))
    }
  }

  static func tensor(_ shape: [Int], _ scalars: [Float]) -> Tensor<Float> {
    (try? Tensor(shape: shape, scalars: scalars)) ?? Tensor(scalars)
  }
}

extension FuzzInput: CustomStringConvertible {
  /// The loss with its options, then the input (tensors with their shapes, weights, reduction).
  public var description: String {
    "loss = \(loss)\n\(input)"
  }

  /// Every scalar of the input with its bit pattern, for values whose printed form is ambiguous
  /// (NaN payloads, −0, subnormals).
  public var bitPatterns: String {
    func line(_ name: String, _ tensor: Tensor<Float>) -> String {
      "\(name) bits = [" + tensor.scalars.map { hex($0.bitPattern) }.joined(separator: ", ") + "]"
    }
    var lines = [line("y_true", input.yTrue), line("y_pred", input.yPred)]
    if let weight = input.sampleWeight { lines.append(line("sample_weight", weight)) }
    return lines.joined(separator: "\n")
  }

  private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
  }
}
