import LossCore

/// The seed corpus of each libFuzzer harness: edge-value inputs for every configuration of the
/// family's losses, plus generated cases; only inputs that pass today are seeds (a seed that
/// breaks a property would stop every fuzzing run at once; those are regression tests instead).
public enum FuzzCorpus {
  /// Scalar byte patterns of the edge seeds: every special value in turn, the clipping constants
  /// and overflow edges mixed with ordinary values, and raw bit patterns.
  static let bodies: [[UInt8]] = [
    Array(0xC0..<0xE4),
    [0, 1, 0xCD, 0xCE, 2, 0xD3, 0xD4, 0xD5, 3, 0xD6, 0xD7, 0xD8, 0xD9, 4, 0xDA, 0xDB, 0xCF],
    [0xC8, 0xC9, 0xCA, 0xCB, 0xC6, 0xC7, 0xDD, 0xDE, 0xE0, 0xE1, 0, 1, 2, 3],
    [0xF0, 0x01, 0x00, 0x80, 0x00, 0xF0, 0xFF, 0xFF, 0x7F, 0x7F, 0xF0, 0x00, 0x00, 0xC0, 0x7F, 1, 2],
    Array(0..<48),
  ]

  /// The seeds of `family`: (a file name, the bytes).
  public static func seeds(_ family: FuzzFamily, generatedPerStream: Int = 3) -> [(name: String, bytes: [UInt8])] {
    var seeds: [[UInt8]] = []
    for name in family.losses {
      let nameByte = UInt8(LossName.allCases.firstIndex(of: name) ?? 0)
      for configuration in Catalogue.configurations(of: name).indices {
        for (layout, body) in zip([0, 1, 7, 6, 2], bodies) {
          // loss, configuration, layout, rank and dimensions, reduction, weights, domains, scalars
          let reduction = UInt8((configuration + layout) % 5)
          seeds.append([nameByte, UInt8(configuration), UInt8(layout), 1, 3, 2, reduction, 4, 0, 1] + body)
        }
      }
    }
    let campaign = FuzzCampaign(seed: 0x5EED, losses: family.losses)
    for stream in campaign.streams {
      for round in 0..<generatedPerStream { seeds.append(campaign.bytes(stream, round: round)) }
    }
    var seen = Set<[UInt8]>()
    return seeds.filter { seen.insert($0).inserted && FuzzCheck.run($0) == nil }.map { (fileName($0), $0) }
  }

  /// `seed-` and the FNV-1a hash of the bytes in hexadecimal.
  public static func fileName(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    let digits = String(hash, radix: 16)
    return "seed-" + String(repeating: "0", count: 16 - digits.count) + digits
  }
}
