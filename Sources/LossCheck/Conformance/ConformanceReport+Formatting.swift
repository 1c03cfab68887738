import Foundation
import LossCore

extension ConformanceReport {
  /// The closing line of a run, `N passed, M failed`, counting every check (values and gradients).
  public var closingLine: String { "\(passedCount) passed, \(failedCount) failed" }

  /// One line per quantity that was checked, e.g. `gradients: 620 passed, 0 failed`.
  public var quantityLines: [String] {
    ConformanceEvaluator.Quantity.allCases.compactMap { quantity in
      guard results.contains(where: { $0.quantity == quantity }) else { return nil }
      return "\(quantity.plural): \(passedCount(of: quantity)) passed, \(failedCount(of: quantity)) failed"
    }
  }

  /// One entry per failure, each a line naming the case, the evaluator and both results, plus, for
  /// a value of the right shape, a second line with the worst element.
  public func failureDescriptions() -> [String] {
    failures.map { $0.failureDescription }
  }

  /// The per-loss table of the largest relative deviation from Keras, one table per evaluator and
  /// quantity checked (values, gradients), with a float32 and a float64 column. `—` marks a cell
  /// without cases.
  public func deviationTable() -> String {
    let summary = maxRelativeDeviation
    let lossWidth = LossName.allCases.map(\.rawValue.count).max() ?? 0
    var lines: [String] = []
    let tables = evaluators.flatMap { evaluator in
      ConformanceEvaluator.Quantity.allCases.compactMap { quantity in
        results.contains { $0.evaluator == evaluator && $0.quantity == quantity } ? (evaluator, quantity) : nil
      }
    }
    for (evaluator, quantity) in tables {
      if !lines.isEmpty { lines.append("") }
      let what = quantity == .value ? "" : " \(quantity.plural)"
      lines.append("Max relative deviation from Keras (\(evaluator)\(what)):")
      let header = "  " + "loss".padding(toLength: lossWidth, withPad: " ", startingAt: 0)
      lines.append(header + DType.allCases.map { "  " + Self.leftPad($0.rawValue, 9) }.joined())
      for loss in LossName.allCases {
        let cells = DType.allCases.map { dtype in
          let key = DeviationKey(evaluator: evaluator, loss: loss, dtype: dtype, quantity: quantity)
          return "  " + Self.leftPad(summary[key].map(Self.formatDeviation) ?? "—", 9)
        }
        lines.append("  " + loss.rawValue.padding(toLength: lossWidth, withPad: " ", startingAt: 0) + cells.joined())
      }
    }
    return lines.joined(separator: "\n")
  }

  /// The machine-readable summary: one JSON object with `passed`, `failed` (all checks), `failures`
  /// (each with `id`, `loss`, `dtype`, `evaluator`, `quantity`, `line`, `expected`, `got`,
  /// `max_relative_deviation`), `max_relative_deviation` for values keyed by evaluator, then loss,
  /// then dtype, and, when gradients were checked, `gradients` with their own `passed`, `failed`
  /// and `max_relative_deviation`.
  ///
  /// Tensors are written as in the vector files, `{"shape": [...], "data": [...]}`, and errors as
  /// `{"error": "..."}`. Non-finite numbers are written `NaN`, `Infinity` and `-Infinity`, as in the
  /// vector files (Python's `json` reads them).
  public func jsonSummary() -> String {
    var deviations: [ConformanceEvaluator.Quantity: [String: JSONValue]] = [:]
    for (key, deviation) in maxRelativeDeviation {
      var byEvaluator = deviations[key.quantity] ?? [:]
      var byLoss = byEvaluator[key.evaluator]?.objectMembers ?? [:]
      var byDType = byLoss[key.loss.rawValue]?.objectMembers ?? [:]
      byDType[key.dtype.rawValue] = .number(deviation)
      byLoss[key.loss.rawValue] = .object(byDType)
      byEvaluator[key.evaluator] = .object(byLoss)
      deviations[key.quantity] = byEvaluator
    }
    let failureObjects: [JSONValue] = failures.map { result in
      .object([
        "id": .string(result.id),
        "loss": .string(result.loss.rawValue),
        "dtype": .string(result.dtype.rawValue),
        "evaluator": .string(result.evaluator),
        "quantity": .string(result.quantity.rawValue),
        "file": .string(result.source.file),
        "line": .number(Double(result.source.line)),
        "expected": result.expected.json,
        "got": result.outcome.json,
        "max_relative_deviation": result.maxRelativeDeviation.map(JSONValue.number) ?? .null,
      ])
    }
    var summary: [String: JSONValue] = [
      "passed": .number(Double(passedCount)),
      "failed": .number(Double(failedCount)),
      "failures": .array(failureObjects),
      "max_relative_deviation": .object(deviations[.value] ?? [:]),
    ]
    if results.contains(where: { $0.quantity == .gradient }) {
      summary["gradients"] = .object([
        "passed": .number(Double(passedCount(of: .gradient))),
        "failed": .number(Double(failedCount(of: .gradient))),
        "max_relative_deviation": .object(deviations[.gradient] ?? [:]),
      ])
    }
    return JSONValue.object(summary).description
  }

  static func formatDeviation(_ value: Double) -> String {
    if value == 0 { return "0" }
    if value.isInfinite { return "inf" }
    return String(format: "%.1e", value)
  }

  private static func leftPad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
  }
}

extension ConformanceResult {
  /// `FAIL <id> [<evaluator>] <file>:<line>: expected …, got …` (`[<evaluator> gradient]` for a
  /// gradient check), and for a value of the right shape a second line with the worst element and
  /// its allowed deviation.
  public var failureDescription: String {
    let status = passed ? "PASS" : "FAIL"
    let label = quantity == .value ? evaluator : "\(evaluator) \(quantity.rawValue)"
    var text = "\(status) \(id) [\(label)] \(source): expected \(expected.summary), got \(outcome.summary)"
    if case .value(let expectedTensor) = expected, case .value(let got) = outcome {
      if got.shape != expectedTensor.shape {
        text += "\n  shape mismatch: expected \(expectedTensor.shape), got \(got.shape)"
      } else if let worst = worstElement(got: got, expected: expectedTensor) {
        text += "\n  " + worst
      }
    }
    return text
  }

  /// The element furthest outside its tolerance, described in one line.
  private func worstElement(got: Tensor<Double>, expected: Tensor<Double>) -> String? {
    let tolerance = self.tolerance ?? Tolerance(absolute: 0, relative: 0)
    var worst: (index: Int, excess: Double)? = nil
    for index in expected.scalars.indices {
      let (g, e) = (got.scalars[index], expected.scalars[index])
      guard !tolerance.accepts(g, expected: e) else { continue }
      let excess = g.isFinite && e.isFinite ? abs(g - e) - (tolerance.absolute + tolerance.relative * abs(e)) : .infinity
      if worst == nil || excess > worst!.excess { worst = (index, excess) }
    }
    guard let worst else { return nil }
    let (g, e) = (got.scalars[worst.index], expected.scalars[worst.index])
    let allowed = tolerance.absolute + tolerance.relative * abs(e)
    return "worst element [\(worst.index)]: expected \(e), got \(g), |Δ| = \(abs(g - e)), allowed \(allowed)"
      + (maxRelativeDeviation.map { ", max rel. deviation \(ConformanceReport.formatDeviation($0))" } ?? "")
  }
}

extension ConformanceCase.Expectation {
  /// A short human-readable form: a tensor summary or `error ValueError`.
  public var summary: String {
    switch self {
    case .value(let tensor): tensor.conformanceSummary
    case .error(let name): "error \(name)"
    }
  }

  var json: JSONValue {
    switch self {
    case .value(let tensor): tensor.json
    case .error(let name): .object(["error": .string(name)])
    }
  }
}

extension ConformanceResult.Outcome {
  /// A short human-readable form: a tensor summary or `error <description>`.
  public var summary: String {
    switch self {
    case .value(let tensor): tensor.conformanceSummary
    case .error(let description): "error: \(description)"
    }
  }

  var json: JSONValue {
    switch self {
    case .value(let tensor): tensor.json
    case .error(let description): .object(["error": .string(description)])
    }
  }
}

extension Tensor<Double> {
  /// `shape [2, 3] [v0, v1, …]`, showing at most eight values.
  var conformanceSummary: String {
    let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    let more = scalars.count > 8 ? ", … (\(scalars.count) values)" : ""
    return "shape \(shape) [\(shown)\(more)]"
  }

  var json: JSONValue {
    .object([
      "shape": .array(shape.map { .number(Double($0)) }),
      "data": .array(scalars.map(JSONValue.number)),
    ])
  }
}

extension JSONValue {
  var objectMembers: [String: JSONValue]? {
    if case .object(let members) = self { members } else { nil }
  }
}

extension ConformanceEvaluator.Quantity {
  /// `values` or `gradients`, for report lines.
  public var plural: String { rawValue + "s" }
}
