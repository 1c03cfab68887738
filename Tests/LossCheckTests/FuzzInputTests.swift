import LossCheck
import LossCore
import Testing

// The fuzz decoder, check, campaign and corpus: decoding is total and deterministic, the campaign
// replays per shard, and every seed of the committed corpus passes.

@Test func everyByteStringDecodes() {
  #expect(FuzzInput.decode([]).loss == Catalogue.configurations(of: LossName.allCases[0])[0])
  var random = SplitMix(seed: 7)
  for length in [0, 1, 2, 3, 5, 9, 17, 64, 300] {
    for _ in 0..<50 {
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      let (input, again) = (FuzzInput.decode(bytes), FuzzInput.decode(bytes))
      // Compared as text and bit patterns: NaN scalars and options are never == themselves.
      #expect("\(input)" == "\(again)" && input.bitPatterns == again.bitPatterns)
      #expect(input.input.yTrue.count <= FuzzInput.maximumElements)
      #expect(input.input.yPred.count <= FuzzInput.maximumElements)
    }
  }
}

@Test func theFirstByteSelectsTheLossAndTheSecondTheConfiguration() {
  for (index, name) in LossName.allCases.enumerated() {
    #expect(FuzzInput.lossName(of: [UInt8(index)]) == name)
    for (configuration, loss) in Catalogue.configurations(of: name).enumerated() {
      #expect(FuzzInput.decode([UInt8(index), UInt8(configuration)]).loss == loss)
    }
  }
}

@Test func theSpecialTableHoldsTheEdgeValues() {
  let specials = FuzzValues.specials
  #expect(specials.contains { $0.isNaN && $0.sign == .minus })
  #expect(specials.contains(.infinity) && specials.contains(-.infinity))
  #expect(specials.contains { $0 == 0 && $0.sign == .minus })
  #expect(specials.contains(.leastNonzeroMagnitude) && specials.contains(.leastNormalMagnitude))
  #expect(specials.contains(Float(1e-7)) && specials.contains(1 - 0x1p-23))
  #expect(specials.contains(Float(88.72284)) && specials.contains(Float(-103.97208)))
  #expect(specials.contains(.greatestFiniteMagnitude) && specials.contains(1e4) && specials.contains(-1e4))
  // A special-escape byte decodes to the table entry, a raw escape to its four bytes.
  let name = UInt8(LossName.allCases.firstIndex(of: .meanAbsoluteError)!)
  // loss, configuration, layout, rank, dimension, reduction, weights, y_true's domain and scalar,
  // y_pred's domain and scalar.
  let input = FuzzInput.decode([name, 0, 0, 0, 0, 0, 0, 0, 0xC4, 0, 0xF0, 0x01, 0x00, 0x00, 0x00])
  #expect(input.input.yTrue.shape == [1] && input.input.yTrue.scalars == [.infinity])
  #expect(input.input.yPred.scalars.map(\.bitPattern) == [1])
}

@Test func outOfDomainOptionsAreRejectedByBothSides() {
  // huber with delta = −1 (an out-of-domain table entry): the reference and the kernel throw
  // invalidOption naming delta, and the check passes.
  let huber = UInt8(LossName.allCases.firstIndex(of: .huber)!)
  let input = FuzzInput.decode([huber, 0x40, 0xC2])
  #expect(input.loss == .huber(delta: -1))
  #expect(FuzzCheck.check(input) == nil)
}

@Test func theCampaignReplaysPerShardAndSplitsTheStreams() {
  let whole = FuzzCampaign(seed: 42)
  let shards = (0..<3).map { FuzzCampaign(seed: 42, shard: $0, shardCount: 3) }
  #expect(shards.flatMap(\.streams).map(\.index).sorted() == whole.streams.map(\.index))
  let stream = shards[1].streams[0]
  #expect(shards[1].bytes(stream, round: 5) == whole.bytes(stream, round: 5))
  #expect(whole.bytes(stream, round: 5) != whole.bytes(stream, round: 6))
  let run = shards[2].run(jobs: 2, seconds: nil, rounds: 3)
  #expect(run.progress.executions <= shards[2].streams.count * 3)
  #expect(run.progress.executions >= shards[2].streams.count)
}

@Test(arguments: FuzzFamily.allCases)
func everySeedOfTheCorpusPasses(_ family: FuzzFamily) {
  let seeds = FuzzCorpus.seeds(family, generatedPerStream: 1)
  #expect(!seeds.isEmpty)
  for seed in seeds {
    #expect(FuzzFamily.of(FuzzInput.lossName(of: seed.bytes)) == family)
    #expect(FuzzCheck.run(seed.bytes) == nil, "\(seed.name)")
  }
}

/// SplitMix64, for test bytes.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
