/// Checks `property` on values from `generator`, shrinks the first failure, and reports.
///
/// Stored regressions of this property are replayed first. Then cases are generated from the
/// run seed until `configuration.maxCases` cases held or the time limit passed. The first
/// failure is shrunk (see ``CheckConfiguration`` for the budgets), saved to the regression
/// store, and returned with its original and shrunk counterexample. The function records no
/// test issue itself: ``assertProperty(_:_:configuration:fileID:filePath:line:column:_:)`` does.
///
///     let report = checkProperty("reverse twice", Gen.int(in: 0...9).array(count: 0...8)) { xs in
///       Array(xs.reversed().reversed()) == xs
///     }
///
/// - Parameters:
///   - name: names the property in reports and in the regression file.
///   - generator: the values to check.
///   - configuration: budgets, seed and regression store.
///   - property: returns `true` or nil when the value passes; `false`, a message or a thrown
///     error fails it.
/// - Returns: the report, whose `description` is what a failing test prints.
public func checkProperty<Value, Result: PropertyResult>(
  _ name: String,
  _ generator: Gen<Value>,
  configuration: CheckConfiguration = CheckConfiguration(),
  _ property: (Value) throws -> Result
) -> CheckReport<Value> {
  let seed = configuration.seed ?? Seed.fromEnvironment() ?? Seed.random()
  var source = ChoiceSource(maxChoices: configuration.maxChoices)
  func evaluate(_ value: Value) -> String? {
    do {
      return try property(value).propertyFailureMessage
    } catch {
      return "threw \(error)"
    }
  }
  func report(_ outcome: CheckReport<Value>.Outcome, run: Int, discarded: Int) -> CheckReport<Value> {
    CheckReport(propertyName: name, seed: seed, casesRun: run, casesDiscarded: discarded, outcome: outcome)
  }

  var run = 0
  var discarded = 0
  for entry in configuration.regressions?.entries(for: name) ?? [] {
    source.startReplay(entry.choices, size: entry.size)
    let value = generator.run(&source)
    if source.isInvalid { continue }
    run += 1
    if evaluate(value) != nil {
      let failure = shrink(
        generator, property: evaluate, source: &source, original: value, caseNumber: nil,
        name: name, configuration: configuration)
      return report(.failed(failure), run: run, discarded: discarded)
    }
  }

  let clock = ContinuousClock()
  let deadline = configuration.timeLimit.map { clock.now + $0 }
  var caseIndex = 0
  while run < configuration.maxCases {
    if let deadline, clock.now >= deadline { break }
    source.startRandom(seed: seed.caseSeed(caseIndex), size: configuration.size(ofCase: caseIndex))
    caseIndex += 1
    let value = generator.run(&source)
    if source.isInvalid {
      discarded += 1
      if discarded >= 50 && discarded > run {
        let message =
          "\(discarded) of \(discarded + run) cases were discarded (filters rejected "
          + "\(source.filterRejections) of \(source.filterChecks) draws). "
          + "Generate valid values directly instead of filtering most of them out."
        return report(.healthCheckFailed(message), run: run, discarded: discarded)
      }
      continue
    }
    run += 1
    if evaluate(value) != nil {
      let failure = shrink(
        generator, property: evaluate, source: &source, original: value, caseNumber: caseIndex,
        name: name, configuration: configuration)
      return report(.failed(failure), run: run, discarded: discarded)
    }
  }
  return report(.passed, run: run, discarded: discarded)
}

/// Shrinks the failing case now in `source` and saves the result to the regression store.
private func shrink<Value>(
  _ generator: Gen<Value>,
  property: (Value) -> String?,
  source: inout ChoiceSource,
  original: Value,
  caseNumber: Int?,
  name: String,
  configuration: CheckConfiguration
) -> CheckFailure<Value> {
  let size = source.size
  var replaying = source
  let best = withoutActuallyEscaping(property) { property in
    var shrinker = Shrinker(
      failing: source.choices, spans: source.spans, maxEvaluations: configuration.maxShrinkEvaluations,
      deadline: .now + configuration.shrinkTimeLimit
    ) { candidate in
      replaying.startReplay(candidate, size: size)
      let value = generator.run(&replaying)
      let fails = !replaying.isInvalid && property(value) != nil
      return Shrinker.Replay(fails: fails, choices: replaying.choices, spans: replaying.spans)
    }
    shrinker.run()
    return (choices: shrinker.best, steps: shrinker.steps)
  }
  source.startReplay(best.choices, size: size)
  let shrunk = generator.run(&source)
  let message = property(shrunk) ?? "passed on replay: the property is not deterministic"

  var note: String?
  if let store = configuration.regressions {
    do {
      let added = try store.record(property: name, size: size, choices: best.choices)
      note = "\(added ? "Saved to" : "Already in") \(store.path); replayed first on the next run."
    } catch {
      note = "Could not save to \(store.path): \(error)"
    }
  }
  return CheckFailure(
    caseNumber: caseNumber, original: original, shrunk: shrunk, message: message,
    shrinkSteps: best.steps, choices: best.choices, size: size, regressionNote: note)
}
