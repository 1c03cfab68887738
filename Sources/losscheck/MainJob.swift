import LossCheck

/// What `losscheck` does with no command: the whole verification suite.
///
/// For now that is the conformance check on the shipped Keras vectors; later steps (property checks,
/// accuracy, …) are added here, and the closing line stays last.
enum MainJob {
  /// One line for `--help`.
  static let summary = "the conformance check on the shipped Keras vectors."

  /// Runs the main job and returns its exit status.
  static func run() -> Int32 {
    do {
      return try ConformanceCheck.run(files: [ShippedVectors.lossValuesPath], json: false)
    } catch {
      printStandardError("losscheck: error: \(error)")
      return ExitStatus.failure
    }
  }
}
