import LossCheck

extension Command {
  static let conformance = Command(
    name: "conformance", arguments: "[FILE...] [--json]",
    summary: "Check the reference against Keras's own numbers (JSONL conformance vectors).",
    details: """
      Runs every case of each FILE (default: the shipped
      Reference/Conformance/keras-vectors.jsonl) through every evaluator and prints
      each failure, a per-loss table of the largest relative deviation from Keras,
      and the closing line 'N passed, M failed'. Exits with 1 when any case failed.

      Cases with an expected_gradient (Reference/Conformance/keras-gradients.jsonl)
      also have their gradient checked; each check counts once in the closing line
      (such a case counts twice: value and gradient), and a line per quantity
      ('values: ...', 'gradients: ...') precedes it.

      OPTIONS:
        --json   Print one JSON object instead: passed, failed, failures, max_relative_deviation,
                 and gradients (passed, failed, max_relative_deviation) when gradients were checked.
      """
  ) { arguments in
    let parsed = try ParsedArguments(arguments, flags: ["json"])
    let files = parsed.positionals.isEmpty ? [ShippedVectors.lossValuesPath] : parsed.positionals
    return try ConformanceCheck.run(files: files, json: parsed.flags.contains("json"))
  }
}

/// Loads conformance files, runs them, and prints the report.
enum ConformanceCheck {
  /// The runner every conformance check uses. Register an evaluator by adding it to this list,
  /// e.g. `[.reference, .referenceGradient, .kernels]` with `ConformanceEvaluator.kernels` defined
  /// in LossCheck (a gradient kernel is an evaluator with `quantity: .gradient`).
  static let runner = ConformanceRunner(evaluators: [.reference, .referenceGradient, .kernels, .kernelGradients])

  /// Runs the cases of `files` and prints the text report (or the JSON summary).
  ///
  /// - Returns: `ExitStatus.success` when every case passed, `ExitStatus.failure` otherwise.
  /// - Throws: `ConformanceError` when a file cannot be read or is malformed.
  static func run(files: [String], json: Bool) throws -> Int32 {
    var cases: [ConformanceCase] = []
    for file in files {
      cases += try ConformanceCase.load(contentsOf: file)
    }
    let report = runner.run(cases)
    if json {
      printStandardOutput(report.jsonSummary())
    } else {
      printReport(report)
    }
    return report.allPassed ? ExitStatus.success : ExitStatus.failure
  }

  /// Prints the failures, the deviation tables, the count per quantity and the closing line.
  static func printReport(_ report: ConformanceReport) {
    for failure in report.failureDescriptions() {
      printStandardOutput(failure)
    }
    if !report.allPassed { printStandardOutput("") }
    printStandardOutput(report.deviationTable())
    printStandardOutput("")
    for line in report.quantityLines {
      printStandardOutput(line)
    }
    printStandardOutput(report.closingLine)
  }
}
