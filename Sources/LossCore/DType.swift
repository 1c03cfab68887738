/// The precision a loss is evaluated "as": it selects Keras's clipping constants.
///
/// Keras clips with constants of the computation's dtype. In float32, `epsilon()` is
/// `Float(1e-7)` = 1.0000000116860974e-07 and `1 - epsilon()` rounds to `1 - 2^-23`; in float64 they
/// are `1e-7` and `1 - 1e-7`. The Double reference evaluated as float32 uses the float32 constants
/// with Double arithmetic, so the Float32 kernels have an exact target.
public enum DType: String, CaseIterable, Sendable, Hashable {
  case float32
  case float64

  /// Keras's `backend.epsilon()` (1e-7) as a value of this dtype, widened to Double.
  public var epsilon: Double {
    switch self {
    case .float32: Double(Float(1e-7))
    case .float64: 1e-7
    }
  }

  /// `1 - epsilon()` as Keras computes it in this dtype (`1 - 2^-23` for float32), widened to Double.
  public var oneMinusEpsilon: Double {
    switch self {
    case .float32: Double(Float(1) - Float(1e-7))
    case .float64: 1 - 1e-7
    }
  }

  /// Parses `"float32"` or `"float64"`.
  ///
  /// - Throws: `LossError.invalidOption` naming `dtype` for anything else.
  public init(kerasName: String) throws {
    guard let dtype = DType(rawValue: kerasName) else {
      throw LossError.invalidOption(name: "dtype", value: kerasName, expected: "float32 or float64")
    }
    self = dtype
  }
}
