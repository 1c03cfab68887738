/// The map from three choices (kind, side, magnitude) to a float inside a range.
///
/// Kinds 0 to 5 are "generic": a magnitude encoded by ``FloatEncoding`` measured from the origin
/// (0, or the bound nearest 0) toward one side of it, clamped to that side's bound. Kinds 6 and 7 pick a numerical edge by the
/// magnitude choice modulo the edge count. Every choice decodes to a value inside the range (or
/// to an asked-for non-finite edge), so shrinking can never leave the range. Values are computed
/// in Double; a Float generator rounds the result, which stays in range because both bounds
/// are Floats.
struct FloatCoding: Sendable {
  let lower: Double
  let upper: Double
  let origin: Double
  /// The distances from the origin to the lower and upper bound.
  let down: Double
  let up: Double
  /// The edges inside the range, plus requested non-finite values.
  let edges: [Double]

  init(lower: Double, upper: Double, edges: [Double], specials: FloatSpecials) {
    precondition(lower.isFinite && upper.isFinite && lower <= upper, "float ranges need finite bounds, lower ≤ upper")
    self.lower = lower
    self.upper = upper
    origin = lower > 0 ? lower : (upper < 0 ? upper : 0)
    down = origin - lower
    up = upper - origin
    self.edges = NumericalEdges.select(edges, lower: lower, upper: upper, specials: specials)
  }

  /// Draws the three choices of one float (with random proposals in random mode) and decodes them.
  ///
  /// In random mode a generic magnitude is proposed within the side's room and used directly:
  /// decoding its encoding gives it back exactly, so replay yields the same value.
  func draw(from source: inout ChoiceSource) -> Double {
    let bits = source.isRandom ? source.rng.next() : 0
    let kind = source.draw(upTo: 7, proposal: bits & 7)
    let towardLower = up == 0 || source.draw(upTo: down > 0 ? 1 : 0, proposal: bits >> 3 & 1) == 1
    guard source.isRandom && (kind < 6 || edges.isEmpty) else {
      return value(kind: kind, towardLower: towardLower, payload: source.draw(upTo: .max, proposal: bits >> 8))
    }
    let magnitude = proposeMagnitude(&source.rng, room: towardLower ? down : up, size: source.size)
    _ = source.draw(upTo: .max, proposal: FloatEncoding.encode(magnitude))
    return place(magnitude, towardLower: towardLower)
  }

  /// The value of one float's choices.
  func value(kind: UInt64, towardLower: Bool, payload: UInt64) -> Double {
    if kind >= 6 && !edges.isEmpty {
      return edges[Int(payload % UInt64(edges.count))]
    }
    // Magnitudes past the bound (and the NaN/∞ patterns) clamp to it, keeping the order of
    // choices monotone in the magnitude, which binary-search shrinking relies on.
    let room = towardLower ? down : up
    let decoded = FloatEncoding.decode(payload)
    return place(decoded <= room ? decoded : room, towardLower: towardLower)
  }

  /// The point `magnitude` away from the origin on one side, clamped against rounding.
  func place(_ magnitude: Double, towardLower: Bool) -> Double {
    let value = towardLower ? origin - magnitude : origin + magnitude
    return min(max(value, lower), upper)
  }

  /// A random magnitude in `0...room`: half uniform, a quarter small integers (scaled by `size`),
  /// a quarter log-uniform between 2⁻⁶⁴ and 2⁶⁴.
  func proposeMagnitude(_ rng: inout Xoshiro256, room: Double, size: Int) -> Double {
    let bits = rng.next()
    let magnitude: Double
    switch bits & 3 {
    case 0, 1: magnitude = room * rng.nextUnit()
    case 2: magnitude = Double(rng.next(upTo: UInt64(size) + 10))
    default: magnitude = Double(sign: .plus, exponent: Int(bits >> 2 & 127) - 64, significand: 1 + rng.nextUnit())
    }
    return min(magnitude, room)
  }
}
