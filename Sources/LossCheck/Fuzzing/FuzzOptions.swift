import LossCore

/// Decodes a loss's options from fuzzer bytes: mostly values in the option's domain, sometimes
/// values outside it that `Loss.validate()` must reject, and sometimes raw Float bit patterns.
///
/// A Double option is one byte `b`: `b < 0xC0` picks from the option's own table of valid values,
/// `0xC0 ≤ b < 0xF0` from `outOfDomain` (values that are out of some option's domain, or that
/// round to a different value in Float), `b ≥ 0xF0` reads four raw bytes as a Float.
enum FuzzOptions {
  /// Values at or beyond the edge of the option domains, and values that change when rounded to
  /// Float (the reference and the kernels both round options to Float after validating them).
  static let outOfDomain: [Double] = [
    0, -0.0, -1, 1, 2, 0.5, -0.5, 1.5, .nan, .infinity, -.infinity, 1e-300, 1e300,
    Double(Float.leastNonzeroMagnitude), 1e-50, 3.5e38, Double(Float(1e-7)), 1 - 0x1p-23,
    1 + 1e-12, 1 - 1e-12, -1e-12, 1e-7,
  ]

  static func decode(_ name: LossName, _ reader: inout FuzzBytes) -> Loss {
    switch name {
    case .meanSquaredError: return .meanSquaredError
    case .meanAbsoluteError: return .meanAbsoluteError
    case .meanAbsolutePercentageError: return .meanAbsolutePercentageError
    case .meanSquaredLogarithmicError: return .meanSquaredLogarithmicError
    case .cosineSimilarity: return .cosineSimilarity(axis: axis(&reader))
    case .huber: return .huber(delta: double([1, 0.5, 2.5, 0.1, 10, 1e-3], &reader))
    case .logCosh: return .logCosh
    case .hinge: return .hinge
    case .squaredHinge: return .squaredHinge
    case .categoricalHinge: return .categoricalHinge
    case .klDivergence: return .klDivergence
    case .poisson: return .poisson
    case .binaryCrossentropy:
      return .binaryCrossentropy(
        fromLogits: bool(&reader), labelSmoothing: labelSmoothing(&reader), axis: axis(&reader))
    case .binaryFocalCrossentropy:
      return .binaryFocalCrossentropy(
        applyClassBalancing: bool(&reader), alpha: double([0.25, 0.6, 0, 1, 0.5], &reader),
        gamma: double([2, 0, 0.5, 1, 3, 5], &reader), fromLogits: bool(&reader),
        labelSmoothing: labelSmoothing(&reader), axis: axis(&reader))
    case .categoricalCrossentropy:
      return .categoricalCrossentropy(
        fromLogits: bool(&reader), labelSmoothing: labelSmoothing(&reader), axis: axis(&reader))
    case .categoricalFocalCrossentropy:
      return .categoricalFocalCrossentropy(
        alpha: alphaList(&reader), gamma: double([2, 0, 0.5, 1, 3, 5], &reader), fromLogits: bool(&reader),
        labelSmoothing: labelSmoothing(&reader), axis: axis(&reader))
    case .sparseCategoricalCrossentropy:
      return .sparseCategoricalCrossentropy(
        fromLogits: bool(&reader), ignoreClass: reader.choose([nil, nil, -1, 0, 1, 2, 3, -100, 1000]),
        axis: reader.choose([-1, -1, -1, -1, 0, 1, -2, 2]))
    case .ctc: return .ctc
    case .dice: return .dice(axis: axes(&reader))
    case .tversky:
      return .tversky(
        alpha: double([0.5, 0.7, 0.3, 0, 1, 2], &reader), beta: double([0.5, 0.3, 0.7, 0, 1, 2], &reader),
        axis: axes(&reader))
    case .circle:
      return .circle(
        gamma: double([80, 10, 1, 0.5, 256], &reader), margin: double([0.4, 0.25, 0, -0.5, 1], &reader),
        removeDiagonal: bool(&reader))
    case .categoricalGeneralizedCrossEntropy:
      return .categoricalGeneralizedCrossEntropy(q: double([0.5, 0.1, 0.9, 0.01, 0.99], &reader))
    }
  }

  static func double(_ valid: [Double], _ reader: inout FuzzBytes) -> Double {
    let byte = reader.byte()
    if byte >= FuzzValues.rawEscape { return Double(Float(bitPattern: reader.uint32())) }
    if byte >= FuzzValues.specialEscape {
      return outOfDomain[Int(byte - FuzzValues.specialEscape) % outOfDomain.count]
    }
    return valid[Int(byte) % valid.count]
  }

  static func bool(_ reader: inout FuzzBytes) -> Bool {
    reader.byte() & 1 == 1
  }

  static func labelSmoothing(_ reader: inout FuzzBytes) -> Double {
    double([0, 0, 0.1, 0.2, 0.5, 1], &reader)
  }

  static func axis(_ reader: inout FuzzBytes) -> Int {
    reader.choose([-1, -1, -1, -1, 0, 1, 2, -2, -3, 3, 4, -5])
  }

  static func axes(_ reader: inout FuzzBytes) -> [Int]? {
    reader.choose([nil, nil, [-1], [1, 2], [0], [1], [-1, -2], [], [1, 1], [0, 1, 2], [5], [-4]])
  }

  /// Categorical focal alpha: one value, one per class (a count that may not match the classes),
  /// or an empty list.
  static func alphaList(_ reader: inout FuzzBytes) -> [Double] {
    let values: [Double] = [0.25, 0.5, 1, 0, 2]
    switch reader.byte() % 6 {
    case 0: return [0.25]
    case 1, 5: return [double(values, &reader)]
    case 2: return (0..<(Int(reader.byte()) % 6)).map { _ in double(values, &reader) }
    case 3: return []
    default: return [0.5, 0.5]
    }
  }
}
