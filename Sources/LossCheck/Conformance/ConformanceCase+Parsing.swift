import Foundation
import LossCore

extension ConformanceCase {
  /// Reads every case of a JSONL conformance file (one JSON object per line; blank lines skipped).
  ///
  /// - Throws: `ConformanceError.unreadable` when the file cannot be read, and
  ///   `ConformanceError.malformed` naming the file and line of the first invalid case or of a
  ///   duplicated `id`.
  public static func load(contentsOf path: String) throws(ConformanceError) -> [ConformanceCase] {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw .unreadable(file: path, reason: (error as NSError).localizedDescription)
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw .unreadable(file: path, reason: "not UTF-8 text")
    }
    return try parse(jsonLines: text, file: path)
  }

  /// Parses the text of a JSONL conformance file; `file` labels the cases and errors.
  ///
  /// - Throws: `ConformanceError.malformed` for the first invalid line or duplicated `id`.
  public static func parse(jsonLines text: String, file: String) throws(ConformanceError) -> [ConformanceCase] {
    var cases: [ConformanceCase] = []
    var firstLineOfID: [String: Int] = [:]
    // Split on "\n" only (a "\r\n" line keeps its "\r", which the JSON parser skips as whitespace).
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      guard line.contains(where: { !$0.isWhitespace }) else { continue }
      let lineNumber = index + 1
      let parsed = try ConformanceCase(jsonLine: String(line), file: file, line: lineNumber)
      if let first = firstLineOfID.updateValue(lineNumber, forKey: parsed.id) {
        throw .malformed(file: file, line: lineNumber, reason: "duplicate id \"\(parsed.id)\" (first on line \(first))")
      }
      cases.append(parsed)
    }
    return cases
  }

  /// Parses one line of a conformance file.
  ///
  /// - Throws: `ConformanceError.malformed(file:line:reason:)` naming the field at fault.
  public init(jsonLine: String, file: String = "<memory>", line: Int = 1) throws(ConformanceError) {
    do {
      let value: JSONValue
      do {
        value = try JSONValue(parsing: jsonLine)
      } catch {
        throw CaseFieldError("invalid JSON at \(error)")
      }
      try self.init(json: value, source: Location(file: file, line: line))
    } catch let error as CaseFieldError {
      throw .malformed(file: file, line: line, reason: error.reason)
    } catch let error as LossError {
      throw .malformed(file: file, line: line, reason: error.description)
    } catch {
      throw .malformed(file: file, line: line, reason: "\(error)")
    }
  }

  /// The fields of a case object, every one of them required unless marked optional here.
  private static let knownFields: Set<String> = [
    "id", "loss", "options", "reduction", "dtype", "family", "y_true", "y_pred", "sample_weight",
    "expected", "tolerance", "expected_gradient", "gradient_tolerance",
  ]

  private init(json: JSONValue, source: Location) throws {
    guard case .object(let fields) = json else {
      throw CaseFieldError("a case must be a JSON object, found \(json.kindDescription)")
    }
    // Unknown fields are rejected: a misspelt `sample_weight` must not be silently ignored.
    if let unknown = fields.keys.sorted().first(where: { !Self.knownFields.contains($0) }) {
      throw CaseFieldError("unknown field \"\(unknown)\"")
    }
    let id = try Self.string(fields, "id")
    do {
      let lossName = try Self.string(fields, "loss")
      let options: [String: JSONValue]
      switch fields["options"] {
      case nil: options = [:]
      case .object(let members): options = members
      case let other?: throw CaseFieldError("`options` must be an object, found \(other.kindDescription)")
      }
      let loss = try Loss(kerasName: lossName, options: options)
      let reduction = try Reduction(kerasName: try Self.string(fields, "reduction"))
      let dtype = try DType(kerasName: try Self.string(fields, "dtype"))
      let family: String
      switch fields["family"] {
      case nil, .null?: family = ""
      case .string(let text)?: family = text
      case let other?: throw CaseFieldError("`family` must be a string, found \(other.kindDescription)")
      }

      let yTrue = try Self.tensor(fields, "y_true", exactFloatsFor: dtype)
      let yPred = try Self.tensor(fields, "y_pred", exactFloatsFor: dtype)
      let sampleWeight: Tensor<Double>? =
        fields["sample_weight"] == nil || fields["sample_weight"] == .null
        ? nil : try Self.tensor(fields, "sample_weight", exactFloatsFor: dtype)

      let expected: Expectation
      guard case .object(let expectedFields)? = fields["expected"] else {
        throw CaseFieldError("`expected` must be an object with `shape` and `data`, or with `error`")
      }
      if let error = expectedFields["error"] {
        guard case .string(let errorName) = error, expectedFields.count == 1 else {
          throw CaseFieldError("`expected` with `error` must be {\"error\": \"<exception class>\"}")
        }
        expected = .error(errorName)
      } else {
        expected = .value(try Self.tensor(fields, "expected", exactFloatsFor: nil))
      }

      let tolerance = try Self.tolerance(fields, "tolerance")
      if case .value = expected, tolerance == nil {
        throw CaseFieldError("missing field `tolerance`, required for a case with an expected value")
      }
      let expectedGradient: Tensor<Double>? =
        fields["expected_gradient"] == nil ? nil : try Self.tensor(fields, "expected_gradient", exactFloatsFor: nil)
      let gradientTolerance = try Self.tolerance(fields, "gradient_tolerance")
      if (expectedGradient == nil) != (gradientTolerance == nil) {
        throw CaseFieldError("`expected_gradient` and `gradient_tolerance` must appear together")
      }
      if let expectedGradient, expectedGradient.shape != yPred.shape {
        throw CaseFieldError(
          "`expected_gradient` has shape \(expectedGradient.shape) but `y_pred` has \(yPred.shape)")
      }

      self.init(
        id: id, loss: loss, options: options, reduction: reduction, dtype: dtype, family: family,
        yTrue: yTrue, yPred: yPred, sampleWeight: sampleWeight, expected: expected, tolerance: tolerance,
        expectedGradient: expectedGradient, gradientTolerance: gradientTolerance, source: source)
    } catch let error as CaseFieldError {
      throw CaseFieldError("case \"\(id)\": \(error.reason)")
    } catch let error as LossError {
      throw CaseFieldError("case \"\(id)\": \(error.description)")
    }
  }

  // MARK: Field readers

  private static func string(_ fields: [String: JSONValue], _ key: String) throws -> String {
    guard let value = fields[key] else { throw CaseFieldError("missing field `\(key)`") }
    guard case .string(let text) = value else {
      throw CaseFieldError("`\(key)` must be a string, found \(value.kindDescription)")
    }
    return text
  }

  /// Reads `{"shape": [...], "data": [...]}`. For a float32 case (`exactFloatsFor: .float32`) every
  /// number must be exactly a Float value, as the format promises for inputs.
  private static func tensor(
    _ fields: [String: JSONValue], _ key: String, exactFloatsFor dtype: DType?
  ) throws -> Tensor<Double> {
    guard let value = fields[key] else { throw CaseFieldError("missing field `\(key)`") }
    guard case .object(let members) = value, members.count == 2,
      case .array(let shapeItems)? = members["shape"], case .array(let dataItems)? = members["data"]
    else {
      throw CaseFieldError("`\(key)` must be {\"shape\": [...], \"data\": [...]}")
    }
    var shape: [Int] = []
    for item in shapeItems {
      guard case .number(let dim) = item, dim >= 0, dim == dim.rounded(), dim < 0x1p40 else {
        throw CaseFieldError("`\(key).shape` must hold non-negative integers, found \(item)")
      }
      shape.append(Int(dim))
    }
    var scalars: [Double] = []
    scalars.reserveCapacity(dataItems.count)
    for (index, item) in dataItems.enumerated() {
      guard case .number(let number) = item else {
        throw CaseFieldError("`\(key).data[\(index)]` must be a number, found \(item.kindDescription)")
      }
      if dtype == .float32, !number.isNaN, Double(Float(number)) != number {
        throw CaseFieldError(
          "`\(key).data[\(index)]` = \(number) is not exactly a Float value, as a float32 case requires")
      }
      scalars.append(number)
    }
    return try Tensor(shape: shape, scalars: scalars, argument: key)
  }

  private static func tolerance(_ fields: [String: JSONValue], _ key: String) throws -> Tolerance? {
    guard let value = fields[key] else { return nil }
    guard case .object(let members) = value, members.count == 2,
      case .number(let absolute)? = members["abs"], case .number(let relative)? = members["rel"],
      absolute >= 0, relative >= 0, absolute.isFinite, relative.isFinite
    else {
      throw CaseFieldError("`\(key)` must be {\"abs\": a, \"rel\": r} with finite a, r ≥ 0")
    }
    return Tolerance(absolute: absolute, relative: relative)
  }
}

/// A problem with one field of a case; wrapped into `ConformanceError.malformed` with the line.
private struct CaseFieldError: Error {
  let reason: String
  init(_ reason: String) { self.reason = reason }
}
