import Foundation
import LossCheck
import LossCore
import PropertyCheck

extension Command {
  static let fuzz = Command(
    name: "fuzz",
    arguments: "[--seconds N] [--jobs K] [--seed S] [--shard i/n] [--runs N] [--loss NAME] [--artifacts DIR]",
    summary: "Structure-aware fuzzing of the kernels against the reference, without libFuzzer.",
    details: """
      Generates byte strings from the seed, decodes each into a loss, options, shapes and Float bit
      patterns (NaN, ±∞, subnormals, ±0, the clipping constants, exp/log edges) as the libFuzzer
      harnesses do, and checks the Float32 kernel against the reference evaluated as float32: the
      same LossError for bad input, NaN/∞ agreement, the agreement bound, determinism,
      non-negativity and sum = Σ none. One stream of cases per catalogue configuration and one per
      loss with decoded (sometimes out-of-domain) options; a stream stops at its first finding.
      Each finding is written to the artifacts directory; replay it with 'losscheck replay FILE'.
      Exits 1 when anything was found.

      OPTIONS:
        --seconds N      Run for N seconds (default 60, or no limit with --runs).
        --jobs K         Threads (default: the number of cores).
        --seed S         Run seed (16 hex digits, as printed); default LOSSCHECK_SEED or random.
        --shard i/n      Run only every n-th stream from stream i (0-based), to split a campaign
                         across machines; the same seed and shard run the same cases.
        --runs N         Stop each stream after N cases.
        --loss NAME      Only these losses (Keras names, comma-separated).
        --artifacts DIR  Where findings are written (default .losscheck/fuzz).
        --write-corpus DIR
                         Write the libFuzzer seed corpora to DIR/<harness>/ and exit.
      """
  ) { arguments in
    let parsed = try ParsedArguments(
      arguments, options: ["seconds", "jobs", "seed", "shard", "runs", "loss", "artifacts", "write-corpus"])
    guard parsed.positionals.isEmpty else { throw UsageError("unexpected argument '\(parsed.positionals[0])'") }
    if let directory = parsed.options["write-corpus"] {
      return try FuzzRun.writeCorpus(to: directory)
    }
    let runs = try parsed.option("runs") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
    let seconds = try parsed.option("seconds") { Double($0).flatMap { $0 > 0 ? $0 : nil } } ?? (runs == nil ? 60 : nil)
    let jobs = try parsed.option("jobs") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
      ?? ProcessInfo.processInfo.activeProcessorCount
    let seed = try parsed.option("seed") { Seed($0) } ?? Seed.fromEnvironment() ?? Seed.random()
    let (shard, shardCount) = try parsed.option("shard", as: FuzzRun.parseShard) ?? (0, 1)
    let losses = try parsed.options["loss"].map { list in
      try list.split(separator: ",").map { name in
        guard let loss = LossName(rawValue: String(name)) else { throw UsageError("unknown loss '\(name)'") }
        return loss
      }
    } ?? LossName.allCases
    let campaign = FuzzCampaign(seed: seed.value, shard: shard, shardCount: shardCount, losses: losses)
    return FuzzRun.run(
      campaign, seed: seed, shard: "\(shard)/\(shardCount)", jobs: jobs, seconds: seconds, runs: runs,
      artifacts: parsed.options["artifacts"] ?? ".losscheck/fuzz")
  }
}

/// The fuzz command's work: the campaign, its progress line and its report.
enum FuzzRun {
  /// Parses `i/n` with 0 ≤ i < n.
  static func parseShard(_ text: String) -> (Int, Int)? {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0, (0..<count).contains(index)
    else { return nil }
    return (index, count)
  }

  static func run(
    _ campaign: FuzzCampaign, seed: Seed, shard: String, jobs: Int, seconds: Double?, runs: Int?, artifacts: String
  ) -> Int32 {
    let showProgress = isatty(STDERR_FILENO) != 0
    printStandardOutput(
      "fuzz: seed \(seed), shard \(shard), \(campaign.streams.count) streams, \(jobs) jobs"
        + (seconds.map { ", \(format($0)) s" } ?? "") + (runs.map { ", \($0) cases per stream" } ?? ""))
    let (progress, findings) = campaign.run(jobs: jobs, seconds: seconds, rounds: runs) { progress in
      if showProgress { FuzzRun.progressLine(line(progress)) }
    }
    if showProgress { progressLine("") }
    printStandardOutput(line(progress))
    for found in findings {
      printStandardOutput("")
      printStandardOutput("FINDING in stream \(found.stream.index) (\(found.stream)), case \(found.round)")
      printStandardOutput(found.finding.description)
      do {
        let path = try write(found.bytes, in: artifacts)
        printStandardOutput("replay: losscheck replay \(path)")
      } catch {
        printStandardOutput("could not write the case to \(artifacts): \(error)")
      }
      printStandardOutput("bytes: " + found.bytes.map { String(format: "%02x", $0) }.joined())
    }
    printStandardOutput(findings.isEmpty ? "no findings" : "\(findings.count) findings")
    return findings.isEmpty ? ExitStatus.success : ExitStatus.failure
  }

  static func line(_ progress: FuzzCampaign.Progress) -> String {
    let rate = progress.seconds > 0 ? Double(progress.executions) / progress.seconds : 0
    return "\(progress.executions) executions in \(format(progress.seconds)) s (\(Int(rate)) execs/s), "
      + "\(progress.findings) findings"
  }

  static func format(_ value: Double) -> String {
    String(format: "%.1f", value)
  }

  static func progressLine(_ text: String) {
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
  }

  /// Writes `bytes` to `directory/crash-<hash>` and returns the path.
  static func write(_ bytes: [UInt8], in directory: String) throws -> String {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = (directory as NSString).appendingPathComponent(
      "crash-" + FuzzCorpus.fileName(bytes).dropFirst("seed-".count))
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Writes every harness's seed corpus to `directory/<harness>/`.
  static func writeCorpus(to directory: String) throws -> Int32 {
    for family in FuzzFamily.allCases {
      let folder = (directory as NSString).appendingPathComponent(family.harnessName)
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      let seeds = FuzzCorpus.seeds(family)
      for seed in seeds {
        try Data(seed.bytes).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(seed.name)))
      }
      printStandardOutput("\(folder): \(seeds.count) seeds")
    }
    return ExitStatus.success
  }
}
