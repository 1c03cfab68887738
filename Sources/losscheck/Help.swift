/// `losscheck help [COMMAND]` and `losscheck --help`.
enum Help {
  /// The overall usage: synopsis, the main job, and the command list.
  static var overview: String {
    let width = Command.all.map(\.name.count).max() ?? 0
    let commands = Command.all.map { command in
      "  " + command.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + command.summary
    }
    return """
      USAGE: losscheck [COMMAND] [ARGUMENTS...]

      With no command, runs the main job: \(MainJob.summary)
      \(MainJob.options)

      COMMANDS:
      \(commands.joined(separator: "\n"))

      Run 'losscheck help COMMAND' for a command's arguments.
      Exit status: 0 when everything passed, 1 on failures, 64 on a usage error.
      """
  }

  /// The usage and details of one command.
  static func text(for command: Command) -> String {
    var text = "USAGE: \(command.usage)\n\n\(command.summary)"
    if !command.details.isEmpty { text += "\n\n\(command.details)" }
    return text
  }
}

extension Command {
  static let help = Command(
    name: "help", arguments: "[COMMAND]", summary: "Show this help, or a command's usage."
  ) { arguments in
    let parsed = try ParsedArguments(arguments)
    switch parsed.positionals.count {
    case 0:
      printStandardOutput(Help.overview)
    case 1:
      guard let command = Command.named(parsed.positionals[0]) else {
        throw UsageError("unknown command '\(parsed.positionals[0])'")
      }
      printStandardOutput(Help.text(for: command))
    default:
      throw UsageError("'help' takes at most one command name")
    }
    return ExitStatus.success
  }
}
