/// Shrinks a failing choice sequence to a shortlex-smaller one that still fails.
///
/// The shrinker never looks at values: it edits the sequence of choices and replays it through
/// the generator and the property. A candidate is kept only when the property still fails and
/// the choices the replay actually consumed are shortlex-smaller (shorter, or as long and
/// lexicographically smaller) than the best so far. Passes run until a full round makes no
/// progress or a budget runs out:
///
/// 1. delete blocks of 8 down to 1 choices (removes list elements, merges nested lists, lifts a
///    subtree over its parent);
/// 2. zero blocks of 8, 4 and 2 choices;
/// 3. minimise each choice: 0, then small values, then binary search below its value;
/// 4. lower groups of equal choices together (keeps duplicates duplicated);
/// 5. swap a choice with a smaller one up to 4 places later (sorts list elements);
/// 6. lower pairs: decrement two choices up to 8 places apart together (switches a branch and
///    the choice that made it fail at once);
/// 7. redistribute: lower one choice while raising another up to 8 places later, by steps of
///    1 and of 2 (steps of 2 keep the sign of integers, whose choices alternate around 0).
///
/// Realignment: when a candidate passes because an array drew fewer choices than before (a
/// smaller dimension makes a tensor shorter), the next generator would read the leftover
/// choices. The shrinker then deletes the first shortened array's leftover choices and replays,
/// which shows how much the next array that shares the dimension drew, and so on, array by array:
/// tensors of one drawn shape and their per-sample weights shrink together. It does this twice:
/// deleting the choices at the end of each array (dropping the last samples), then at the start
/// (dropping the first samples, which keeps a failure that lives in the last one).
struct Shrinker {
  /// The outcome of replaying one candidate.
  struct Replay {
    /// Whether the property still fails (and the case was valid).
    var fails: Bool
    /// The choices the replay consumed.
    var choices: [UInt64]
    /// The choices each array drew, in the order the arrays started.
    var spans: [Range<Int>]
  }

  /// The smallest failing sequence found so far.
  private(set) var best: [UInt64]
  /// The array spans of `best`.
  private var bestSpans: [Range<Int>]
  /// Improvements accepted.
  private(set) var steps = 0
  /// Replays run.
  private(set) var evaluations = 0
  private let maxEvaluations: Int
  private let deadline: ContinuousClock.Instant
  private var tried: Set<[UInt64]> = []
  /// Replays a sequence through the generator and the property.
  private let replay: ([UInt64]) -> Replay

  init(
    failing: [UInt64], spans: [Range<Int>], maxEvaluations: Int, deadline: ContinuousClock.Instant,
    replay: @escaping ([UInt64]) -> Replay
  ) {
    best = failing
    bestSpans = spans
    self.maxEvaluations = maxEvaluations
    self.deadline = deadline
    self.replay = replay
  }

  /// Whether a budget (evaluations or time) is spent.
  var isExhausted: Bool {
    evaluations >= maxEvaluations || (evaluations & 31 == 0 && ContinuousClock.now >= deadline)
  }

  /// Runs the passes until none makes progress or a budget is spent.
  mutating func run() {
    var progressed = true
    while progressed && !isExhausted {
      let before = best
      deleteBlocks()
      zeroBlocks()
      minimiseChoices()
      lowerEqualGroups()
      swapChoices()
      lowerPairs()
      redistribute()
      progressed = best != before
    }
  }

  /// Replays `candidate` if it is shortlex-smaller than the best and new; keeps it if it fails.
  ///
  /// When it passes with shortened arrays, tries the realigned candidate as well.
  @discardableResult
  private mutating func consider(_ candidate: [UInt64], realigning: Bool = true) -> Bool {
    guard Self.shortlexPrecedes(candidate, best), !isExhausted, tried.insert(candidate).inserted else {
      return false
    }
    let (result, kept) = evaluate(candidate)
    if result.fails { return kept }
    guard realigning else { return false }
    return realign(candidate, result, droppingFront: false) || realign(candidate, result, droppingFront: true)
  }

  /// Replays `candidate` (which passed as `passing`) with the leftover choices of its shortened
  /// arrays deleted, one array a replay, until it fails (kept if shortlex-smaller) or no array
  /// lines up with `best`'s.
  ///
  /// Arrays are matched by start order: array k of the replay must start where array k of `best`
  /// starts, less the choices already deleted before it. Its old span loses as many choices as
  /// it drew fewer, at its end or, `droppingFront`, at its start.
  private mutating func realign(_ candidate: [UInt64], _ passing: Replay, droppingFront: Bool) -> Bool {
    var current = candidate
    var result = passing
    var deleted = 0
    var next = 0
    while !isExhausted {
      let arrays = next..<min(result.spans.count, bestSpans.count)
      guard
        let k = arrays.first(where: { k in
          result.spans[k].lowerBound == bestSpans[k].lowerBound - deleted
            && result.spans[k].count < bestSpans[k].count
        })
      else { return false }
      let old = (bestSpans[k].lowerBound - deleted)..<(bestSpans[k].upperBound - deleted)
      let dropped = old.count - result.spans[k].count
      guard old.upperBound <= current.count else { return false }
      current.removeSubrange(
        droppingFront ? old.lowerBound..<(old.lowerBound + dropped) : (old.upperBound - dropped)..<old.upperBound)
      deleted += dropped
      next = k + 1
      guard Self.shortlexPrecedes(current, best), tried.insert(current).inserted else { return false }
      let kept: Bool
      (result, kept) = evaluate(current)
      if result.fails { return kept }
    }
    return false
  }

  /// Replays `candidate`; a failure shortlex-smaller than `best` becomes the new best (`kept`).
  private mutating func evaluate(_ candidate: [UInt64]) -> (result: Replay, kept: Bool) {
    evaluations += 1
    let result = replay(candidate)
    guard result.fails, Self.shortlexPrecedes(result.choices, best) else { return (result, false) }
    best = result.choices
    bestSpans = result.spans
    steps += 1
    return (result, true)
  }

  /// Shorter first, then lexicographic.
  static func shortlexPrecedes(_ a: [UInt64], _ b: [UInt64]) -> Bool {
    a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
  }

  private mutating func deleteBlocks() {
    for width in (1...8).reversed() {
      var start = best.count - width
      while start >= 0 && !isExhausted {
        var candidate = best
        candidate.removeSubrange(start..<start + width)
        consider(candidate)
        start = min(start - 1, best.count - width)
      }
    }
  }

  private mutating func zeroBlocks() {
    for width in [8, 4, 2] {
      var start = 0
      while start + width <= best.count && !isExhausted {
        if best[start..<start + width].contains(where: { $0 != 0 }) {
          var candidate = best
          candidate.replaceSubrange(start..<start + width, with: repeatElement(0, count: width))
          consider(candidate)
        }
        start += 1
      }
    }
  }

  private mutating func minimiseChoices() {
    var index = 0
    while index < best.count && !isExhausted {
      minimise(at: [index])
      index += 1
    }
  }

  /// Lowers the choices at `indices` (all equal) together: 0, small values, then binary search.
  private mutating func minimise(at indices: [Int]) {
    func attempt(_ value: UInt64) -> Bool {
      guard indices.allSatisfy({ $0 < best.count }) else { return false }
      var candidate = best
      for index in indices { candidate[index] = value }
      return consider(candidate)
    }
    guard let first = indices.first, first < best.count, best[first] > 0 else { return }
    if attempt(0) { return }
    var low: UInt64 = 0
    for small in 1..<min(best[first], 9) {
      if attempt(small) { return }
      low = small
    }
    var high = best[first]
    while low + 1 < high && !isExhausted {
      let middle = low + (high - low) / 2
      if attempt(middle) {
        guard first < best.count else { return }
        high = best[first]
      } else {
        low = middle
      }
    }
  }

  private mutating func lowerEqualGroups() {
    var positions: [UInt64: [Int]] = [:]
    for (index, value) in best.enumerated() where value > 1 {
      positions[value, default: []].append(index)
    }
    for value in positions.keys.sorted() where positions[value]!.count > 1 && !isExhausted {
      let indices = positions[value]!
      guard indices.allSatisfy({ $0 < best.count && best[$0] == value }) else { continue }
      minimise(at: indices)
    }
  }

  private mutating func swapChoices() {
    var index = 0
    while index < best.count && !isExhausted {
      for other in index + 1..<min(best.count, index + 5) where other < best.count && best[index] > best[other] {
        var candidate = best
        candidate.swapAt(index, other)
        consider(candidate)
      }
      index += 1
    }
  }

  private mutating func lowerPairs() {
    var index = 0
    while index < best.count && !isExhausted {
      for other in index + 1..<min(best.count, index + 9) where other < best.count && best[index] > 0 && best[other] > 0 {
        var candidate = best
        candidate[index] -= 1
        candidate[other] -= 1
        consider(candidate)
      }
      index += 1
    }
  }

  private mutating func redistribute() {
    var index = 0
    while index < best.count && !isExhausted {
      for other in index + 1..<min(best.count, index + 9) {
        for step: UInt64 in [1, 2] {
          moveMass(from: index, to: other, step: step)
        }
      }
      index += 1
    }
  }

  /// Moves as many `step`s as still fail from the choice at `source` to the one at `target`.
  private mutating func moveMass(from source: Int, to target: Int, step: UInt64) {
    func attempt(_ steps: UInt64) -> Bool {
      guard target < best.count, best[source] >= steps * step, UInt64.max - best[target] >= steps * step else {
        return false
      }
      var candidate = best
      candidate[source] -= steps * step
      candidate[target] += steps * step
      return consider(candidate)
    }
    guard target < best.count, best[source] >= step, attempt(1) else { return }
    var low: UInt64 = 0
    var high = best[source] / step + 1
    while low + 1 < high && !isExhausted {
      let middle = low + (high - low) / 2
      if attempt(middle) { low = 0; high = source < best.count ? best[source] / step + 1 : 0 } else { high = middle }
    }
  }
}
