/// The values that break numerical code, which float generators emit on purpose.
///
/// Each list holds exact values of its format: zeros, the smallest subnormal, the largest
/// subnormal, the least normal, Keras's epsilon `1e-7` in both formats, the clip bounds `1 − 1e-7`
/// and `1 − 2⁻²³`, `1 − ulp`, 0.5, 1, the edges where `exp` overflows or underflows in Float
/// (±88.72, −103.97) and in Double (±709.78, −745.13), large logits (±1e4) and the greatest
/// finite value, with both signs where negatives make sense.
enum NumericalEdges {
  /// Edges representable in Float.
  static let float: [Float] = signed([
    Float.leastNonzeroMagnitude, Float.leastNormalMagnitude.nextDown, Float.leastNormalMagnitude,
    Float(1e-7), 1 - Float(1e-7), Float(1).nextDown, 0.5, 1, 2,
    88.72, 103.97, 1e4, Float.greatestFiniteMagnitude,
  ])

  /// Edges representable in Double, including the Float ones.
  static let double: [Double] = signed([
    Double.leastNonzeroMagnitude, Double.leastNormalMagnitude.nextDown, Double.leastNormalMagnitude,
    1e-7, Double(Float(1e-7)), 1 - 1e-7, 1 - 0x1p-23, Double(1).nextDown, 0.5, 1, 2,
    88.72, 103.97, 709.78, 745.13, 1e4, Double(Float.greatestFiniteMagnitude),
    Double.greatestFiniteMagnitude,
  ])

  /// Zero, then each magnitude followed by its negation.
  static func signed<F: FloatingPoint>(_ magnitudes: [F]) -> [F] {
    [0, -F(0)] + magnitudes.flatMap { [$0, -$0] }
  }

  /// The edges inside `lower...upper`, plus the requested non-finite values.
  ///
  /// −0.0 counts as inside only when `lower` has a minus sign, so a range starting at +0.0
  /// never yields −0.0.
  static func select(_ edges: [Double], lower: Double, upper: Double, specials: FloatSpecials) -> [Double] {
    var selected = edges.filter { edge in
      edge >= lower && edge <= upper && !(edge == 0 && edge.sign == .minus && lower.sign == .plus)
    }
    if specials.contains(.nan) { selected.append(.nan) }
    if specials.contains(.infinity) { selected += [.infinity, -.infinity] }
    return selected
  }
}
