import Foundation

/// Dispatches `losscheck [COMMAND] [ARGUMENTS...]` to the main job or to a command of `Command.all`.
enum CommandLineTool {
  /// Runs the tool and returns its exit status.
  static func run(arguments: [String]) -> Int32 {
    do {
      guard let first = arguments.first else {
        return try MainJob.run([])
      }
      switch first {
      case "--help", "-h":
        return try Command.help.run(Array(arguments.dropFirst()))
      case _ where first.hasPrefix("-"):
        return try MainJob.run(arguments)
      default:
        guard let command = Command.named(first) else {
          throw UsageError("unknown command '\(first)'")
        }
        let rest = Array(arguments.dropFirst())
        let beforeTerminator = rest.prefix { $0 != "--" }
        if beforeTerminator.contains("--help") || beforeTerminator.contains("-h") {
          printStandardOutput(Help.text(for: command))
          return ExitStatus.success
        }
        return try command.run(rest)
      }
    } catch let error as UsageError {
      printStandardError("losscheck: \(error); see 'losscheck --help'")
      return ExitStatus.usage
    } catch {
      printStandardError("losscheck: error: \(error)")
      return ExitStatus.failure
    }
  }
}

/// Writes a line to standard output.
func printStandardOutput(_ text: String) {
  print(text)
}

/// Writes a line to standard error (after flushing standard output, so the two interleave in order).
func printStandardError(_ text: String) {
  fflush(nil)  // all output streams; `stdout` itself is not concurrency-safe to name
  FileHandle.standardError.write(Data((text + "\n").utf8))
}
