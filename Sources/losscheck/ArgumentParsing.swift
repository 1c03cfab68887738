/// A command-line usage mistake: unknown command, unknown flag, missing or malformed value.
/// The tool prints it as a one-line hint on stderr and exits with `EX_USAGE` (64).
struct UsageError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The arguments of one command, split into positionals, boolean flags and valued options.
///
/// Hand-written on purpose (the package has no dependencies). Accepted forms: `--flag`,
/// `--option value`, `--option=value`, and `--` to end option parsing. Short options are not used.
struct ParsedArguments {
  /// Arguments that are not flags or options, in order.
  var positionals: [String] = []
  /// The boolean flags that were given (names without the leading `--`).
  var flags: Set<String> = []
  /// The valued options that were given, by name (without `--`); the last occurrence wins.
  var options: [String: String] = [:]

  /// Splits `arguments` against the flags and options a command declares.
  ///
  /// - Throws: `UsageError` for an undeclared `--name`, a flag given a value, or an option without one.
  init(_ arguments: [String], flags allowedFlags: Set<String> = [], options allowedOptions: Set<String> = []) throws {
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
      if argument == "--" {
        positionals.append(contentsOf: remaining)
        break
      }
      guard argument.hasPrefix("-"), argument != "-" else {
        positionals.append(argument)
        continue
      }
      guard argument.hasPrefix("--") else { throw UsageError("unknown option '\(argument)'") }
      let body = argument.dropFirst(2)
      let name = String(body.prefix { $0 != "=" })
      let inlineValue = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
      if allowedFlags.contains(name) {
        guard inlineValue == nil else { throw UsageError("'--\(name)' takes no value") }
        flags.insert(name)
      } else if allowedOptions.contains(name) {
        if let inlineValue {
          options[name] = inlineValue
        } else if let next = remaining.popFirst() {
          options[name] = next
        } else {
          throw UsageError("'--\(name)' needs a value")
        }
      } else {
        throw UsageError("unknown option '--\(name)'")
      }
    }
  }

  /// The value of a valued option parsed with `parse`, or `nil` when absent.
  ///
  /// - Throws: `UsageError` when the value does not parse, e.g. `--seed abc` for an integer.
  func option<T>(_ name: String, as parse: (String) -> T?) throws -> T? {
    guard let text = options[name] else { return nil }
    guard let value = parse(text) else { throw UsageError("invalid value '\(text)' for '--\(name)'") }
    return value
  }
}
