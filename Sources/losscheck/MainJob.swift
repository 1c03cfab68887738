import Foundation
import LossCheck
import LossCore
import PropertyCheck

/// What `losscheck` does with no command: the whole verification suite on the built-in kernels.
///
/// First the Keras conformance vectors (values, and gradients where a case has one), then every
/// property of every configuration of every loss; one row per loss (cases, properties, largest
/// error in ULPs of the values and of the gradients, status), the failures in full, and the closing line
/// `N passed, M failed` counting properties (and the conformance check as one).
enum MainJob {
  /// One line for `--help`.
  static let summary = "the whole verification suite on the built-in Float32 kernels (about a minute)."

  /// The options of the main job, for `--help`.
  static let options = """
      --seed S       Replay a run (16 hex digits, as printed); default LOSSCHECK_SEED or random.
      --seconds N    Time budget in seconds, shared by all properties (default 60).
      --cases N      Cases per property instead of a time budget.
      --loss NAME    Only this loss (Keras name, e.g. binary_crossentropy); repeatable as a comma list.
      --json         One JSON object per loss and a summary object instead of the table.
    """

  /// Runs the main job with `arguments` and returns its exit status.
  static func run(_ arguments: [String]) throws -> Int32 {
    let parsed = try ParsedArguments(arguments, flags: ["json"], options: ["seed", "seconds", "cases", "loss"])
    guard parsed.positionals.isEmpty else { throw UsageError("unexpected argument '\(parsed.positionals[0])'") }
    let seed = try parsed.option("seed") { Seed($0) } ?? Seed.fromEnvironment() ?? Seed.random()
    let budget: Suite.Budget
    if let cases = try parsed.option("cases", as: { Int($0).flatMap { $0 > 0 ? $0 : nil } }) {
      guard parsed.options["seconds"] == nil else { throw UsageError("give '--seconds' or '--cases', not both") }
      budget = .cases(cases)
    } else {
      budget = .seconds(try parsed.option("seconds") { Double($0).flatMap { $0 > 0 ? $0 : nil } } ?? 60)
    }
    let losses = try parsed.options["loss"].map { list in
      try list.split(separator: ",").map { name in
        guard let loss = LossName(rawValue: String(name)) else { throw UsageError("unknown loss '\(name)'") }
        return loss
      }
    } ?? LossName.allCases
    let json = parsed.flags.contains("json")

    let conformance = try ConformanceCheck.runner.run(ConformanceCase.load(contentsOf: ShippedVectors.gradientsPath)
      + ConformanceCase.load(contentsOf: ShippedVectors.lossValuesPath))
    let showProgress = !json && isatty(STDERR_FILENO) != 0
    let rows = Suite.run(losses, budget: budget, seed: seed) { index, total, loss in
      if showProgress { progress("[\(index + 1)/\(total)] \(loss)") }
    }
    if showProgress { progress("") }

    let passed = rows.reduce(0) { $0 + $1.reports.reduce(0) { $0 + $1.outcomes.filter(\.passed).count } }
      + (conformance.allPassed ? 1 : 0)
    let failed = rows.reduce(0) { $0 + $1.propertyCount } + 1 - passed
    if json {
      for row in rows { printStandardOutput(jsonLine(row)) }
      printStandardOutput(
        "{\"seed\": \"\(seed)\", \"conformance_passed\": \(conformance.allPassed), "
          + "\"passed\": \(passed), \"failed\": \(failed)}")
    } else {
      printStandardOutput("seed \(seed)   (replay with --seed \(seed))")
      printStandardOutput(
        "Keras conformance vectors (values and gradients): \(conformance.passedCount) cases pass, "
          + "\(conformance.failedCount) fail")
      for failure in conformance.failureDescriptions() { printStandardOutput("  " + failure) }
      printStandardOutput("")
      printStandardOutput(pad("loss", 40) + pad("configs", 9) + pad("properties", 12) + pad("cases", 10)
        + pad("value ULP", 11) + pad("gradient ULP", 14) + "status")
      for row in rows {
        let value = row.largestError.map { String(format: "%.2f", $0) } ?? "-"
        let gradient = row.largestGradientError.map { String(format: "%.2f", $0) } ?? "-"
        printStandardOutput(
          pad(row.name.rawValue, 40) + pad("\(row.reports.count)", 9) + pad("\(row.propertyCount)", 12)
            + pad("\(row.casesRun)", 10) + pad(value, 11) + pad(gradient, 14) + (row.passed ? "pass" : "FAIL"))
      }
      for report in rows.flatMap(\.reports) where !report.passed {
        printStandardOutput("")
        printStandardOutput(report.description)
      }
      printStandardOutput("")
    }
    printStandardOutput("\(passed) passed, \(failed) failed")
    return failed == 0 ? ExitStatus.success : ExitStatus.failure
  }

  private static func progress(_ text: String) {
    let line = "\r\u{1B}[K" + text
    FileHandle.standardError.write(Data(line.utf8))
  }

  private static func jsonLine(_ row: Suite.Row) -> String {
    let error = row.largestError.map { $0.isFinite ? "\($0)" : "null" } ?? "null"
    let gradientError = row.largestGradientError.map { $0.isFinite ? "\($0)" : "null" } ?? "null"
    let failures = row.reports.flatMap(\.failures).map { "\"\($0.name)\"" }.joined(separator: ", ")
    return "{\"loss\": \"\(row.name.rawValue)\", \"configurations\": \(row.reports.count), "
      + "\"properties\": \(row.propertyCount), \"cases\": \(row.casesRun), \"largest_error_ulps\": \(error), "
      + "\"largest_gradient_error_ulps\": \(gradientError), "
      + "\"passed\": \(row.passed), \"failures\": [\(failures)]}"
  }

  private static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }
}
