import Dispatch
import LossCore
import PropertyCheck
import Synchronization

/// Structure-aware fuzzing without libFuzzer: `FuzzCheck` on byte strings generated from a seed,
/// one stream per catalogue configuration and one per loss with decoded (sometimes out-of-domain)
/// options, split into shards for several machines and into jobs for several cores.
///
/// Case `round` of stream `stream` is a pure function of the seed, the stream and the round, so a
/// shard replays exactly; `--jobs` only changes which thread runs a stream, and a time budget only
/// how many rounds run.
public struct FuzzCampaign: Sendable {
  /// A sequence of cases for one loss: a catalogue configuration, or decoded options.
  public struct Stream: Sendable, Hashable, CustomStringConvertible {
    /// The position in `FuzzCampaign.allStreams` (shards split on it).
    public let index: Int
    /// The loss.
    public let name: LossName
    /// The index into `Catalogue.configurations(of: name)`, or nil for decoded options.
    public let configuration: Int?

    public var description: String {
      configuration.map { "\(Catalogue.configurations(of: name)[$0])" } ?? "\(name.rawValue) (decoded options)"
    }
  }

  /// A case that broke a property.
  public struct Finding: Sendable {
    public let stream: Stream
    public let round: Int
    /// The bytes: write them to a file and `losscheck replay` it.
    public let bytes: [UInt8]
    public let finding: FuzzFinding
  }

  /// Counters of a running or finished campaign.
  public struct Progress: Sendable {
    public var executions: Int
    public var findings: Int
    public var seconds: Double
  }

  /// Every configuration of every loss, then every loss with decoded options.
  public static let allStreams: [Stream] = {
    var streams: [Stream] = []
    for name in LossName.allCases {
      for index in Catalogue.configurations(of: name).indices {
        streams.append(Stream(index: streams.count, name: name, configuration: index))
      }
    }
    for name in LossName.allCases {
      streams.append(Stream(index: streams.count, name: name, configuration: nil))
    }
    return streams
  }()

  /// The run seed.
  public let seed: UInt64
  /// This shard's streams: every `shardCount`-th stream from `shard`.
  public let streams: [Stream]

  /// The campaign of shard `shard` of `shardCount` (0-based), restricted to `losses`.
  public init(seed: UInt64, shard: Int = 0, shardCount: Int = 1, losses: [LossName] = LossName.allCases) {
    precondition(shardCount > 0 && (0..<shardCount).contains(shard), "shard must be in 0..<shardCount")
    self.seed = seed
    streams = FuzzCampaign.allStreams.filter { $0.index % shardCount == shard && losses.contains($0.name) }
  }

  /// The bytes of case `round` of `stream`.
  ///
  /// The first byte selects the loss, the second the configuration (or, at 0x40 and above, decoded
  /// options); the rest are random, with escape bytes (special values, raw bit patterns) at a
  /// density drawn per case from {0, 1/64, 1/8, 1/2}, so clean, lightly and heavily special inputs
  /// all occur.
  public func bytes(_ stream: Stream, round: Int) -> [UInt8] {
    var mixer = seed ^ (UInt64(stream.index) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(round) &* 0xD1B5_4A32_D192_ED03)
    var random = Xoshiro256(seed: Xoshiro256.splitMix64(&mixer))
    let nameIndex = LossName.allCases.firstIndex(of: stream.name) ?? 0
    let optionByte = stream.configuration.map(UInt8.init) ?? UInt8(0x40 + random.next(upTo: 0xBF))
    let length = 8 + Int(random.next(upTo: 160))
    let density = [0, 1, 8, 32][Int(random.next(upTo: 3))]  // in 64ths
    var bytes = [UInt8(nameIndex), optionByte]
    for _ in 0..<length {
      if Int(random.next(upTo: 63)) < density {
        bytes.append(0xC0 + UInt8(random.next(upTo: 0x3F)))
      } else {
        bytes.append(UInt8(random.next(upTo: 0xBF)))
      }
    }
    return bytes
  }

  /// Runs the shard on `jobs` threads until `seconds` pass or every stream has run `rounds` cases
  /// (whichever comes first; nil for no limit). A stream stops at its first finding.
  ///
  /// - Parameter progress: called about twice a second from one of the threads.
  public func run(
    jobs: Int, seconds: Double?, rounds: Int?, progress: @escaping @Sendable (Progress) -> Void = { _ in }
  ) -> (progress: Progress, findings: [Finding]) {
    let jobs = Swift.max(1, jobs)
    let state = State()
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = seconds.map { start + .milliseconds(Int64($0 * 1000)) }
    let streams = streams
    DispatchQueue.concurrentPerform(iterations: jobs) { job in
      let mine = streams.enumerated().filter { $0.offset % jobs == job }.map(\.element)
      var active = Set(mine.map(\.index))
      var round = 0
      var lastReport = clock.now
      while !active.isEmpty, rounds.map({ round < $0 }) ?? true {
        for stream in mine where active.contains(stream.index) {
          if let deadline, clock.now >= deadline { return }
          let bytes = bytes(stream, round: round)
          if let finding = FuzzCheck.run(bytes) {
            active.remove(stream.index)
            state.findings.withLock { $0.append(Finding(stream: stream, round: round, bytes: bytes, finding: finding)) }
          }
          state.executions.add(1, ordering: .relaxed)
          if job == 0, clock.now - lastReport > .milliseconds(500) {
            lastReport = clock.now
            progress(state.progress(since: start, clock))
          }
        }
        round += 1
      }
    }
    let findings = state.findings.withLock { $0 }.sorted { ($0.stream.index, $0.round) < ($1.stream.index, $1.round) }
    return (state.progress(since: start, clock), findings)
  }

  private final class State: Sendable {
    let executions = Atomic<Int>(0)
    let findings = Mutex<[Finding]>([])

    func progress(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Progress {
      let elapsed = clock.now - start
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      return Progress(
        executions: executions.load(ordering: .relaxed), findings: findings.withLock { $0.count }, seconds: seconds)
    }
  }
}
