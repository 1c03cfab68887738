extension Gen {
  /// Picks one of `generators` uniformly; shrinks toward the first one.
  public static func oneOf(_ generators: Gen<Value>...) -> Gen<Value> {
    oneOf(generators)
  }

  /// Picks one of `generators` uniformly; shrinks toward the first one.
  public static func oneOf(_ generators: [Gen<Value>]) -> Gen<Value> {
    precondition(!generators.isEmpty, "oneOf needs at least one generator")
    let last = UInt64(generators.count - 1)
    return Gen { source in generators[Int(source.draw(upTo: last))].run(&source) }
  }

  /// Picks a generator with probability proportional to its weight; shrinks toward the first one.
  ///
  /// - Parameter choices: pairs of a non-negative weight and a generator; the weights must not
  ///   all be zero.
  public static func frequency(_ choices: [(weight: Int, generator: Gen<Value>)]) -> Gen<Value> {
    precondition(choices.allSatisfy { $0.weight >= 0 }, "frequency weights must be non-negative")
    let total = choices.reduce(0) { $0 + $1.weight }
    precondition(total > 0, "frequency needs a positive total weight")
    let last = UInt64(choices.count - 1)
    return Gen { source in
      var proposal: UInt64 = 0
      if source.isRandom {
        var ticket = Int(source.rng.next(upTo: UInt64(total - 1)))
        for (index, choice) in choices.enumerated() {
          if ticket < choice.weight {
            proposal = UInt64(index)
            break
          }
          ticket -= choice.weight
        }
      }
      return choices[Int(source.draw(upTo: last, proposal: proposal))].generator.run(&source)
    }
  }

  /// Picks one of `elements` uniformly; shrinks toward the first one.
  public static func element(of elements: [Value]) -> Gen<Value> {
    precondition(!elements.isEmpty, "element(of:) needs at least one element")
    let last = UInt64(elements.count - 1)
    return Gen { source in elements[Int(source.draw(upTo: last))] }
  }
}

extension Gen where Value == Bool {
  /// A fair coin; shrinks toward `false`.
  public static var bool: Gen<Bool> {
    Gen { source in source.draw(upTo: 1) == 1 }
  }
}
