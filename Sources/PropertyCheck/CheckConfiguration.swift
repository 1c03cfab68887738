/// The budget, seed and storage of one property check.
public struct CheckConfiguration: Sendable {
  /// The most cases whose property is evaluated (discarded cases do not count).
  public var maxCases: Int
  /// A wall-clock budget for generation; nil for none. The run stops at whichever budget ends first.
  public var timeLimit: Duration?
  /// The run seed; nil takes `LOSSCHECK_SEED`, or a fresh random seed when that is unset.
  public var seed: Seed?
  /// The size parameter grows from 0 to this over the first half of the cases (or first 100).
  public var maxSize: Int
  /// The most primitive choices one case may draw before it is discarded.
  public var maxChoices: Int
  /// The most replays the shrinker may run.
  public var maxShrinkEvaluations: Int
  /// A wall-clock budget for shrinking.
  public var shrinkTimeLimit: Duration
  /// Where failures are saved and replayed from first; nil for nowhere.
  public var regressions: RegressionStore?

  /// Creates a configuration; every argument has a default.
  ///
  /// - Parameters:
  ///   - maxCases: 200 by default.
  ///   - timeLimit: none by default.
  ///   - seed: nil by default: `LOSSCHECK_SEED`, else random.
  ///   - maxSize: 100 by default.
  ///   - maxChoices: 8192 by default.
  ///   - maxShrinkEvaluations: 20 000 by default.
  ///   - shrinkTimeLimit: 30 seconds by default.
  ///   - regressions: ``RegressionStore/default`` by default.
  public init(
    maxCases: Int = 200,
    timeLimit: Duration? = nil,
    seed: Seed? = nil,
    maxSize: Int = 100,
    maxChoices: Int = 8192,
    maxShrinkEvaluations: Int = 20_000,
    shrinkTimeLimit: Duration = .seconds(30),
    regressions: RegressionStore? = RegressionStore.default
  ) {
    precondition(maxCases >= 0 && maxSize >= 0 && maxChoices > 0 && maxShrinkEvaluations >= 0)
    self.maxCases = maxCases
    self.timeLimit = timeLimit
    self.seed = seed
    self.maxSize = maxSize
    self.maxChoices = maxChoices
    self.maxShrinkEvaluations = maxShrinkEvaluations
    self.shrinkTimeLimit = shrinkTimeLimit
    self.regressions = regressions
  }

  /// The size parameter of case `index` (0-based).
  func size(ofCase index: Int) -> Int {
    let ramp = max(1, min(maxCases, 200) / 2)
    return index >= ramp ? maxSize : index * maxSize / ramp
  }
}
