/// The recorded stream of primitive choices that every generator draws from.
///
/// A test case *is* its choice sequence: each draw is a `UInt64` in `0...bound`, where 0 is always
/// the simplest choice. In random mode draws come from ``Xoshiro256``; in replay mode they come from
/// a given prefix (clamped to each draw's bound) and then zeros, the simplest choices. The shrinker
/// edits sequences and replays them, so shrinking works through `map`, `flatMap` and `filter`.
/// It is a struct passed `inout` so that draws pay no dynamic exclusivity checks.
@usableFromInline
struct ChoiceSource {
  /// The random generator of the current case (unused in replay mode).
  @usableFromInline var rng: Xoshiro256
  /// Whether draws are random (true) or replayed from `prefix` (false).
  @usableFromInline var isRandom: Bool
  /// The sequence being replayed.
  @usableFromInline var prefix: [UInt64]
  /// The choices drawn so far in this case, after clamping.
  @usableFromInline var choices: [UInt64]
  /// The choices each array drew, in the order the arrays started (for the shrinker's realignment).
  @usableFromInline var spans: [Range<Int>]
  /// The size parameter of this case: it steers random proposals, never the replay of choices.
  @usableFromInline var size: Int
  /// The most choices one case may draw; past it the case is marked invalid and draws return 0.
  @usableFromInline let maxChoices: Int
  /// Set when a filter gave up or the case ran past `maxChoices`; the case is then discarded.
  @usableFromInline var isInvalid = false
  /// Draws a filter checked and draws it rejected, over the whole run (for the health check).
  var filterChecks = 0
  var filterRejections = 0

  init(maxChoices: Int) {
    self.rng = Xoshiro256(seed: 0)
    self.isRandom = true
    self.prefix = []
    self.choices = []
    self.spans = []
    self.size = 0
    self.maxChoices = maxChoices
    choices.reserveCapacity(256)
  }

  /// Starts a random case.
  mutating func startRandom(seed: UInt64, size: Int) {
    rng = Xoshiro256(seed: seed)
    isRandom = true
    self.size = size
    prefix.removeAll(keepingCapacity: true)
    choices.removeAll(keepingCapacity: true)
    spans.removeAll(keepingCapacity: true)
    isInvalid = false
  }

  /// Starts a case that replays `sequence`, then continues with zeros.
  mutating func startReplay(_ sequence: [UInt64], size: Int) {
    isRandom = false
    self.size = size
    prefix = sequence
    choices.removeAll(keepingCapacity: true)
    spans.removeAll(keepingCapacity: true)
    isInvalid = false
  }

  /// Opens a span at the next choice and returns its index.
  @inlinable
  mutating func beginSpan() -> Int {
    spans.append(choices.count..<choices.count)
    return spans.count - 1
  }

  /// Closes span `index` after the last choice drawn.
  @inlinable
  mutating func endSpan(_ index: Int) {
    spans[index] = spans[index].lowerBound..<choices.count
  }

  /// Draws a uniform choice in `0...bound`.
  mutating func draw(upTo bound: UInt64) -> UInt64 {
    if bound == 0 { return 0 }
    return record(bound: bound, proposal: isRandom ? rng.next(upTo: bound) : 0)
  }

  /// Draws a choice in `0...bound`, taking `proposal` (clamped) in random mode.
  ///
  /// Generators compute proposals from ``rng`` with whatever distribution they like (guarded by
  /// `isRandom`); what is recorded, and what replay sees, is only the choice itself.
  @inlinable @inline(__always)
  mutating func draw(upTo bound: UInt64, proposal: UInt64) -> UInt64 {
    if bound == 0 { return 0 }
    return record(bound: bound, proposal: proposal)
  }

  /// Appends the next choice (the clamped proposal, or the clamped prefix value, or 0) and returns
  /// it; past `maxChoices` marks the case invalid and returns 0 unrecorded.
  @inlinable @inline(__always)
  mutating func record(bound: UInt64, proposal: UInt64) -> UInt64 {
    let count = choices.count
    if count >= maxChoices {
      isInvalid = true
      return 0
    }
    let value: UInt64
    if isRandom {
      value = min(proposal, bound)
    } else {
      value = count < prefix.count ? min(prefix[count], bound) : 0
    }
    choices.append(value)
    return value
  }
}
