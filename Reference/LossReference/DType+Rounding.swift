import LossCore

extension DType {
  /// `x` as Keras holds it in a tensor of this dtype: rounded to Float for float32, unchanged for
  /// float64. Options such as `delta` or `label_smoothing` meet float32 tensors as float32 values.
  func rounded(_ x: Double) -> Double {
    switch self {
    case .float32: Double(Float(x))
    case .float64: x
    }
  }
}
