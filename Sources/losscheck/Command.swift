/// One subcommand of `losscheck`: its name, a usage line, a one-line summary and what it runs.
///
/// To add a command, define `static let <name> = Command(...)` in its own file and add it to
/// `Command.all`. `run` receives the arguments after the command name and returns the exit status.
struct Command: Sendable {
  /// The word typed after `losscheck`, e.g. `conformance`.
  let name: String
  /// The arguments it takes, e.g. `[FILE...] [--json]`.
  let arguments: String
  /// One line for the command list of `losscheck --help`.
  let summary: String
  /// Longer help shown by `losscheck help <command>` (may be empty).
  let details: String
  /// Runs the command; throws `UsageError` for bad arguments.
  let run: @Sendable ([String]) throws -> Int32

  init(
    name: String, arguments: String = "", summary: String, details: String = "",
    run: @escaping @Sendable ([String]) throws -> Int32
  ) {
    self.name = name
    self.arguments = arguments
    self.summary = summary
    self.details = details
    self.run = run
  }

  /// The usage line: `losscheck <name> <arguments>`.
  var usage: String { "losscheck \(name)" + (arguments.isEmpty ? "" : " \(arguments)") }
}

extension Command {
  /// Every command, in the order `--help` lists them.
  ///
  static let all: [Command] = [
    .conformance,
    .bench,
    .accuracy,
    .fuzz,
    .replay,
    .help,
  ]

  /// The command called `name`, if any.
  static func named(_ name: String) -> Command? {
    all.first { $0.name == name }
  }
}

/// Process exit statuses (BSD `sysexits.h` where one applies).
enum ExitStatus {
  static let success: Int32 = 0
  /// A check ran and found failures, or its input could not be read.
  static let failure: Int32 = 1
  /// `EX_USAGE`: the command line was wrong.
  static let usage: Int32 = 64
}
