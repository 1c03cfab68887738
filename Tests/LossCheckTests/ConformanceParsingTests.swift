import LossCheck
import LossCore
import Testing

/// A valid float32 case line; `replacing` swaps one field's JSON text for another.
private func caseLine(replacing field: String? = nil, with text: String = "") -> String {
  var fields: [(String, String)] = [
    ("id", #""bce-32-1""#),
    ("loss", #""binary_crossentropy""#),
    ("options", #"{"from_logits": true, "label_smoothing": 0.125}"#),
    ("reduction", #""sum""#),
    ("dtype", #""float32""#),
    ("family", #""logits""#),
    ("y_true", #"{"shape": [2, 1], "data": [0, 1]}"#),
    ("y_pred", #"{"shape": [2, 1], "data": [0.5, -1.25]}"#),
    ("sample_weight", #"{"shape": [2], "data": [1, 2]}"#),
    ("expected", #"{"shape": [], "data": [3.5]}"#),
    ("tolerance", #"{"abs": 1e-6, "rel": 1e-5}"#),
  ]
  if let field {
    if let index = fields.firstIndex(where: { $0.0 == field }) {
      if text.isEmpty { fields.remove(at: index) } else { fields[index].1 = text }
    } else {
      fields.append((field, text))
    }
  }
  return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

/// The reason of a `malformed` error thrown for `line`, or `nil` (recording an issue) otherwise.
private func malformedReason(_ line: String) -> String? {
  do {
    let parsed = try ConformanceCase(jsonLine: line, file: "v.jsonl", line: 7)
    Issue.record("accepted: \(parsed.id)")
  } catch {
    guard case .malformed(let file, let lineNumber, let reason) = error else {
      Issue.record("unexpected \(error)")
      return nil
    }
    #expect(file == "v.jsonl")
    #expect(lineNumber == 7)
    return reason
  }
  return nil
}

@Test func parsesEveryFieldOfACase() throws {
  let parsed = try ConformanceCase(jsonLine: caseLine(), file: "v.jsonl", line: 3)
  #expect(parsed.id == "bce-32-1")
  #expect(parsed.lossName == .binaryCrossentropy)
  #expect(parsed.loss == .binaryCrossentropy(fromLogits: true, labelSmoothing: 0.125))
  #expect(parsed.options["from_logits"] == .bool(true))
  #expect(parsed.reduction == .sum)
  #expect(parsed.dtype == .float32)
  #expect(parsed.family == "logits")
  #expect(parsed.yTrue == (try Tensor(shape: [2, 1], scalars: [0, 1])))
  #expect(parsed.yPred == (try Tensor(shape: [2, 1], scalars: [0.5, -1.25])))
  #expect(parsed.sampleWeight == Tensor([1, 2]))
  #expect(parsed.expected == .value(Tensor(scalar: 3.5)))
  #expect(parsed.tolerance == Tolerance(absolute: 1e-6, relative: 1e-5))
  #expect(parsed.expectedGradient == nil)
  #expect(parsed.gradientTolerance == nil)
  #expect(parsed.source == ConformanceCase.Location(file: "v.jsonl", line: 3))
}

@Test func parsesNullSampleWeightAndEmptyOptions() throws {
  let parsed = try ConformanceCase(
    jsonLine: caseLine(replacing: "sample_weight", with: "null")
      .replacingOccurrences(of: #"{"from_logits": true, "label_smoothing": 0.125}"#, with: "{}"))
  #expect(parsed.sampleWeight == nil)
  #expect(parsed.loss == .binaryCrossentropy())
}

@Test func parsesAnErrorCaseWithoutTolerance() throws {
  let line = caseLine(replacing: "expected", with: #"{"error": "ValueError"}"#)
  let withoutTolerance = line.replacingOccurrences(of: #", "tolerance": {"abs": 1e-6, "rel": 1e-5}"#, with: "")
  let parsed = try ConformanceCase(jsonLine: withoutTolerance)
  #expect(parsed.expected == .error("ValueError"))
  #expect(parsed.expectsError)
  #expect(parsed.tolerance == nil)
}

@Test func parsesGradientFields() throws {
  let line = caseLine(replacing: "expected_gradient", with: #"{"shape": [2, 1], "data": [-0.25, 0.5]}"#)
    .replacingOccurrences(of: "}}", with: #"}, "gradient_tolerance": {"abs": 2e-5, "rel": 1e-4}}"#)
  let parsed = try ConformanceCase(jsonLine: line)
  #expect(parsed.expectedGradient == (try Tensor(shape: [2, 1], scalars: [-0.25, 0.5])))
  #expect(parsed.gradientTolerance == Tolerance(absolute: 2e-5, relative: 1e-4))
}

@Test func parsesNonFiniteExpectedValues() throws {
  let parsed = try ConformanceCase(
    jsonLine: caseLine(replacing: "expected", with: #"{"shape": [3], "data": [NaN, Infinity, -Infinity]}"#))
  guard case .value(let tensor) = parsed.expected else {
    Issue.record("not a value")
    return
  }
  #expect(tensor.scalars[0].isNaN)
  #expect(tensor.scalars[1] == .infinity && tensor.scalars[2] == -.infinity)
}

@Test(arguments: [
  ("not json", "invalid JSON"),
  ("[1, 2]", "must be a JSON object"),
  (caseLine(replacing: "id"), "missing field `id`"),
  (caseLine(replacing: "y_pred"), "missing field `y_pred`"),
  (caseLine(replacing: "tolerance"), "tolerance"),
  (caseLine(replacing: "sample_weights", with: "null"), "unknown field \"sample_weights\""),
  (caseLine(replacing: "loss", with: #""binary_cross_entropy""#), "binary_cross_entropy"),
  (caseLine(replacing: "options", with: #"{"from_logit": true}"#), "from_logit"),
  (caseLine(replacing: "options", with: "[]"), "`options` must be an object"),
  (caseLine(replacing: "reduction", with: #""auto""#), "reduction"),
  (caseLine(replacing: "dtype", with: #""float16""#), "dtype"),
  (caseLine(replacing: "y_true", with: #"{"shape": [3], "data": [0, 1]}"#), "y_true"),
  (caseLine(replacing: "y_true", with: #"{"shape": [-2], "data": []}"#), "y_true.shape"),
  (caseLine(replacing: "y_true", with: #"{"shape": [2], "data": [0, "1"]}"#), "y_true.data[1]"),
  (caseLine(replacing: "y_pred", with: #"{"shape": [1], "data": [0.1]}"#), "not exactly a Float"),
  (caseLine(replacing: "expected", with: #"{"error": 1}"#), "expected"),
  (caseLine(replacing: "tolerance", with: #"{"abs": -1, "rel": 0}"#), "tolerance"),
  (caseLine(replacing: "expected_gradient", with: #"{"shape": [2, 1], "data": [0, 0]}"#), "appear together"),
])
func malformedLinesNameTheFileLineAndField(line: String, mention: String) {
  guard let reason = malformedReason(line) else { return }
  #expect(reason.contains(mention), "reason: \(reason)")
}

@Test func fileErrorsNameTheLineNumber() throws {
  let text = caseLine() + "\n\n" + caseLine(replacing: "id", with: #""second""#) + "\n{oops}\n"
  do {
    _ = try ConformanceCase.parse(jsonLines: text, file: "vectors.jsonl")
    Issue.record("accepted a malformed file")
  } catch {
    #expect(error == .malformed(file: "vectors.jsonl", line: 4, reason: "invalid JSON at column 2: expected a string key"))
    #expect(error.description.hasPrefix("vectors.jsonl:4: "))
  }
}

@Test func duplicateIDsAreRejected() {
  let text = caseLine() + "\n" + caseLine() + "\n"
  #expect(throws: ConformanceError.self) { try ConformanceCase.parse(jsonLines: text, file: "f") }
}

@Test func blankLinesAreSkippedAndLinesNumberedFromOne() throws {
  let text = "\n" + caseLine() + "\n\n" + caseLine(replacing: "id", with: #""b""#) + "\n"
  let cases = try ConformanceCase.parse(jsonLines: text, file: "f")
  #expect(cases.map(\.source.line) == [2, 4])
}

@Test func unreadableFileIsReported() {
  #expect(throws: ConformanceError.self) { try ConformanceCase.load(contentsOf: "/nonexistent/vectors.jsonl") }
}
