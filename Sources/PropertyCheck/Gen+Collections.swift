extension Gen {
  /// Arrays of this generator's values with a count in `count`.
  ///
  /// After the first `count.lowerBound` elements, each further element is announced by a
  /// "one more" choice, so the shrinker removes an element by deleting its choices. Random
  /// cases pick a target count uniformly up to `count.upperBound`, or up to the size parameter
  /// when that is smaller.
  @inlinable
  public func array(count: ClosedRange<Int>) -> Gen<[Value]> {
    precondition(count.lowerBound >= 0, "array counts must be non-negative")
    let element = self.run
    let minimum = count.lowerBound
    let maximum = count.upperBound
    return Gen<[Value]> { source in
      var target = minimum
      if source.isRandom && maximum > minimum {
        let reach = max(min(maximum - minimum, source.size), min(maximum - minimum, 4))
        target += Int(source.rng.next(upTo: UInt64(reach)))
      }
      let span = source.beginSpan()
      defer { source.endSpan(span) }
      var result: [Value] = []
      result.reserveCapacity(target)
      while result.count < minimum {
        result.append(element(&source))
      }
      while result.count < maximum {
        guard source.draw(upTo: 1, proposal: result.count < target ? 1 : 0) == 1 else { break }
        result.append(element(&source))
      }
      return result
    }
  }

  /// Arrays of exactly `count` of this generator's values.
  public func array(count: Int) -> Gen<[Value]> {
    array(count: count...count)
  }
}

/// Generates a value from each generator, in order; the pair shrinks component by component.
///
/// The variadic ``zip(_:)`` covers other arities; this overload skips its per-call tuple
/// metadata lookup, which costs about 7% of a run over pairs of arrays.
public func zip<A, B>(_ a: Gen<A>, _ b: Gen<B>) -> Gen<(A, B)> {
  let first = a.run
  let second = b.run
  return Gen { source in
    let x = first(&source)
    return (x, second(&source))
  }
}

/// Generates one value from each generator, in order; the tuple shrinks component by component.
public func zip<each V>(_ generator: repeat Gen<each V>) -> Gen<(repeat each V)> {
  Gen { source in (repeat (each generator).run(&source)) }
}
