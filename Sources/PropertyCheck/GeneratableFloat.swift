/// A floating-point scalar type that PropertyCheck can generate: Float or Double.
public protocol GeneratableFloat: BinaryFloatingPoint {
  /// Values in `range`, biased toward numerical edges (see ``Gen/float(in:including:)``).
  static func generator(in range: ClosedRange<Self>, including specials: FloatSpecials) -> Gen<Self>
}

extension Float: GeneratableFloat {
  /// Values in `range` from ``Gen/float(in:including:)``.
  public static func generator(in range: ClosedRange<Float>, including specials: FloatSpecials) -> Gen<Float> {
    Gen.float(in: range, including: specials)
  }
}

extension Double: GeneratableFloat {
  /// Values in `range` from ``Gen/double(in:including:)``.
  public static func generator(in range: ClosedRange<Double>, including specials: FloatSpecials) -> Gen<Double> {
    Gen.double(in: range, including: specials)
  }
}
