import Foundation

/// A file of failing cases that are replayed before any new case, like Hypothesis's example
/// database or proptest's regression files.
///
/// Each line holds one failure: the property name, the size parameter and the shrunk choice
/// sequence in hexadecimal, separated by tabs. Tabs and newlines in names are stored as spaces.
/// Entries are kept after they pass again, so a fixed bug stays tested; delete the file to
/// forget them. Writes go to a temporary file that is then renamed over the old one, so a
/// reader never sees a half-written file.
///
/// The default file is `.losscheck/regressions.tsv` under the current directory (the package
/// root under `swift test`). The environment variable `LOSSCHECK_REGRESSIONS` overrides it with
/// another path, or turns the store off with `off`.
public struct RegressionStore: Sendable {
  /// The environment variable that moves or disables the default store.
  public static let environmentVariable = "LOSSCHECK_REGRESSIONS"
  /// The default path, relative to the current directory.
  public static let defaultPath = ".losscheck/regressions.tsv"
  /// The most entries kept per property; the oldest go first.
  public static let entriesPerProperty = 8

  /// The regression file.
  public let path: String

  /// A store in the file at `path`; the file and its directory are created on the first failure.
  public init(path: String) {
    self.path = path
  }

  /// The store at `LOSSCHECK_REGRESSIONS`, or at ``defaultPath``; nil when the variable is `off`.
  public static var `default`: RegressionStore? {
    let configured = ProcessInfo.processInfo.environment[environmentVariable]?.trimmingWhitespace ?? ""
    if configured == "off" { return nil }
    return RegressionStore(path: configured.isEmpty ? defaultPath : configured)
  }

  /// One stored failure.
  public struct Entry: Equatable, Sendable {
    /// The property's name, with tabs and newlines as spaces.
    public var property: String
    /// The size parameter the case was generated with.
    public var size: Int
    /// The shrunk choice sequence.
    public var choices: [UInt64]
  }

  /// The stored failures of `property`, oldest first.
  public func entries(for property: String) -> [Entry] {
    let name = Self.storedName(property)
    return allEntries().filter { $0.property == name }
  }

  /// Adds a failure (unless already stored) and rewrites the file atomically.
  ///
  /// - Returns: false when the entry was already stored.
  @discardableResult
  public func record(property: String, size: Int, choices: [UInt64]) throws -> Bool {
    let entry = Entry(property: Self.storedName(property), size: size, choices: choices)
    return try Self.lock.withLock {
      var entries = allEntries()
      guard !entries.contains(entry) else { return false }
      entries.append(entry)
      let same = entries.indices.filter { entries[$0].property == entry.property }
      if same.count > Self.entriesPerProperty { entries.remove(at: same[0]) }
      try write(entries)
      return true
    }
  }

  /// Serialises writers in this process; the rename keeps other processes' readers safe.
  private static let lock = NSLock()

  private static func storedName(_ property: String) -> String {
    String(property.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
  }

  private func allEntries() -> [Entry] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { line in
      if line.hasPrefix("#") { return nil }
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count == 3, let size = Int(fields[1]) else { return nil }
      let choices = fields[2].split(separator: ",").compactMap { UInt64($0, radix: 16) }
      return Entry(property: String(fields[0]), size: size, choices: choices)
    }
  }

  private func write(_ entries: [Entry]) throws {
    var text = "# PropertyCheck regressions: property<TAB>size<TAB>choices (hex). Replayed first; safe to delete.\n"
    for entry in entries {
      text += "\(entry.property)\t\(entry.size)\t"
      text += entry.choices.map { String($0, radix: 16) }.joined(separator: ",") + "\n"
    }
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    try Data(text.utf8).write(to: temporary)
    guard rename(temporary.path, url.path) == 0 else {
      let code = POSIXErrorCode(rawValue: errno) ?? .EIO
      try? FileManager.default.removeItem(at: temporary)
      throw POSIXError(code)
    }
  }
}
