extension Gen where Value == [Int] {
  /// Tensor shapes whose rank and dimensions shrink toward fewer and smaller.
  ///
  /// - Parameters:
  ///   - rank: the allowed number of axes.
  ///   - dimension: the allowed extent of each axis.
  public static func shape(rank: ClosedRange<Int> = 1...3, dimension: ClosedRange<Int> = 1...5) -> Gen<[Int]> {
    precondition(dimension.lowerBound >= 0, "dimensions must be non-negative")
    return Gen<Int>.int(in: dimension).array(count: rank)
  }
}

extension Gen {
  /// Tensors of the given shape whose scalars come from this generator.
  public func tensor(shape: [Int]) -> Gen<TensorValue<Value>> {
    array(count: shape.reduce(1, *)).map { TensorValue(shape: shape, scalars: $0) }
  }

  /// Tensors whose shape is drawn first and whose scalars, from this generator, fill it.
  ///
  /// The shape and the scalars shrink together: a smaller shape simply consumes fewer scalars.
  public func tensor(shapes: Gen<[Int]>) -> Gen<TensorValue<Value>> {
    shapes.flatMap { self.tensor(shape: $0) }
  }

  /// Tensors whose last axis holds probability vectors: non-negative, summing to 1 within rounding.
  ///
  /// Each row is a vector of weights normalised by their sum; with `allowingZeros`, about a
  /// quarter of the weights are exactly 0 (a row of zero weights becomes the uniform vector).
  /// Rows shrink toward the uniform vector.
  public static func probabilities<S: GeneratableFloat>(shape: [Int], allowingZeros: Bool = true) -> Gen<Value>
  where Value == TensorValue<S> {
    precondition(!shape.isEmpty && shape[shape.count - 1] > 0, "probabilities need a last axis of at least one class")
    let weight = Gen<Double>.double(in: (allowingZeros ? 0 : 1e-6)...1)
    let zero = Gen<Bool> { (source: inout ChoiceSource) in
      allowingZeros && source.draw(upTo: 1, proposal: source.isRandom && source.rng.next() & 3 == 0 ? 1 : 0) == 1
    }
    let entry = zip(zero, weight).map { isZero, weight in isZero ? 0 : weight }
    return rows(shape: shape, of: entry.array(count: shape[shape.count - 1])) { weights in
      let total = weights.reduce(0, +)
      return weights.map { total > 0 ? S($0 / total) : S(1) / S(weights.count) }
    }
  }

  /// Tensors whose last axis holds one-hot rows: a single 1 among 0s; shrinks toward class 0.
  public static func oneHot<S: GeneratableFloat>(shape: [Int]) -> Gen<Value> where Value == TensorValue<S> {
    precondition(!shape.isEmpty && shape[shape.count - 1] > 0, "one-hot rows need at least one class")
    let classes = shape[shape.count - 1]
    return rows(shape: shape, of: Gen<Int>.int(in: 0..<classes)) { label in
      (0..<classes).map { $0 == label ? 1 : 0 }
    }
  }

  /// Integer class labels in `0..<classes`, shrinking toward 0.
  public static func labels(shape: [Int], classes: Int) -> Gen<Value> where Value == TensorValue<Int> {
    precondition(classes > 0, "labels need at least one class")
    return Gen<Int>.int(in: 0..<classes).tensor(shape: shape)
  }

  /// Logit tensors: unnormalised scores in `range` (±1e4 by default), biased toward numerical edges.
  public static func logits<S: GeneratableFloat>(shape: [Int], in range: ClosedRange<S> = -1e4...1e4) -> Gen<Value>
  where Value == TensorValue<S> {
    S.generator(in: range, including: []).tensor(shape: shape)
  }

  /// Builds a tensor row by row: one draw of `row` per index of every axis but the last.
  private static func rows<Row, S>(shape: [Int], of row: Gen<Row>, _ scalars: @escaping (Row) -> [S]) -> Gen<Value>
  where Value == TensorValue<S> {
    row.array(count: shape.dropLast().reduce(1, *)).map { rows in
      TensorValue(shape: shape, scalars: rows.flatMap(scalars))
    }
  }
}
