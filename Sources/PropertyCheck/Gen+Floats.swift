extension Gen where Value == Float {
  /// Floats in `range`, biased toward numerical edges, shrinking toward 0, integers and short
  /// fractions without ever leaving the range.
  ///
  /// About a quarter of random values are edges inside the range (±0, subnormals, the least
  /// normal, `1e-7`, `1 − 2⁻²³`, `1 − ulp`, 0.5, exp's overflow and underflow edges ±88.72 and
  /// −103.97, ±1e4, the greatest finite value); the rest mix uniform, small-integer and
  /// log-uniform magnitudes. NaN and ±∞ appear only when listed in `specials`.
  ///
  /// - Parameters:
  ///   - range: finite bounds; defaults to every finite Float.
  ///   - specials: non-finite values to emit as edges too; none by default.
  public static func float(
    in range: ClosedRange<Float> = -Float.greatestFiniteMagnitude...Float.greatestFiniteMagnitude,
    including specials: FloatSpecials = []
  ) -> Gen<Float> {
    let coding = FloatCoding(
      lower: Double(range.lowerBound), upper: Double(range.upperBound),
      edges: NumericalEdges.float.map(Double.init), specials: specials)
    return Gen { source in Float(coding.draw(from: &source)) }
  }
}

extension Gen where Value == Double {
  /// Doubles in `range`, biased toward numerical edges, shrinking toward 0, integers and short
  /// fractions without ever leaving the range.
  ///
  /// The edges are those of ``Gen/float(in:including:)`` in both formats plus Double's own
  /// (its subnormals, `1 − 2⁻⁵³`, exp's edges ±709.78 and −745.13). NaN and ±∞ appear only when
  /// listed in `specials`.
  ///
  /// - Parameters:
  ///   - range: finite bounds; defaults to every finite Double.
  ///   - specials: non-finite values to emit as edges too; none by default.
  public static func double(
    in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude,
    including specials: FloatSpecials = []
  ) -> Gen<Double> {
    let coding = FloatCoding(
      lower: range.lowerBound, upper: range.upperBound, edges: NumericalEdges.double, specials: specials)
    return Gen { source in coding.draw(from: &source) }
  }
}
