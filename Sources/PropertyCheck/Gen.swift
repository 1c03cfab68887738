/// A generator of values of type `Value` with integrated shrinking.
///
/// A generator turns a recorded stream of primitive choices into a value. Because every value is
/// a function of its choices, shrinking edits the choices and replays them: `map`, `flatMap` and
/// `filter` shrink with no user-written shrinker, and dependent draws (a shape, then data of that
/// shape) shrink together.
///
///     let pairs = Gen.int(in: 0...9).array(count: 1...5).flatMap { xs in
///       Gen.int(in: 0...(xs.count - 1)).map { (xs, $0) }
///     }
///
/// Generators are immutable and may be shared between tests running in parallel, hence the
/// unchecked `Sendable`: closures given to `map`, `flatMap`, `filter` and `sized` must not
/// mutate shared state.
public struct Gen<Value>: @unchecked Sendable {
  /// Produces a value from the choices of one test case.
  @usableFromInline let run: (inout ChoiceSource) -> Value

  @inlinable
  init(run: @escaping (inout ChoiceSource) -> Value) {
    self.run = run
  }

  /// A generator that always produces `value` and draws nothing.
  public static func constant(_ value: Value) -> Gen<Value> {
    Gen { _ in value }
  }

  /// A generator built from the size parameter, which grows from 0 to the configured maximum
  /// over a run and stays fixed while a failure shrinks.
  public static func sized(_ build: @escaping (Int) -> Gen<Value>) -> Gen<Value> {
    Gen { source in build(source.size).run(&source) }
  }

  /// Generates up to `count` values from a seed, for inspecting a generator.
  ///
  /// Cases a filter discards are skipped; after `100 × count` attempts the values found so far
  /// are returned.
  ///
  /// - Parameters:
  ///   - count: how many values.
  ///   - seed: the same seed gives the same values.
  ///   - size: the size parameter of every draw; 100 by default.
  public func samples(count: Int, seed: Seed, size: Int = 100) -> [Value] {
    var source = ChoiceSource(maxChoices: 1 << 20)
    var values: [Value] = []
    var attempt = 0
    while values.count < count && attempt < 100 * count {
      source.startRandom(seed: seed.caseSeed(attempt), size: size)
      attempt += 1
      let value = run(&source)
      if !source.isInvalid { values.append(value) }
    }
    return values
  }

  /// Transforms every generated value; the result shrinks as the original does.
  public func map<T>(_ transform: @escaping (Value) -> T) -> Gen<T> {
    let run = self.run
    return Gen<T> { source in transform(run(&source)) }
  }

  /// Generates a value, then a second value from a generator chosen by the first.
  ///
  /// Both draws live in one choice sequence, so the shrinker simplifies the first value and
  /// replays the second against it.
  public func flatMap<T>(_ transform: @escaping (Value) -> Gen<T>) -> Gen<T> {
    let run = self.run
    return Gen<T> { source in transform(run(&source)).run(&source) }
  }

  /// Keeps only values that satisfy `isIncluded`, redrawing a rejected value up to twice more.
  ///
  /// When all three draws are rejected the case is discarded. A run in which most cases are
  /// discarded fails the filter health check: generate valid values directly instead.
  public func filter(_ isIncluded: @escaping (Value) -> Bool) -> Gen<Value> {
    let run = self.run
    return Gen { source in
      var value = run(&source)
      for attempt in 0..<3 {
        if attempt > 0 { value = run(&source) }
        source.filterChecks += 1
        if isIncluded(value) { return value }
        source.filterRejections += 1
      }
      source.isInvalid = true
      return value
    }
  }
}
