#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore

// The losses that average an elementwise error over the last axis.
extension Reference {
  /// The mean over the last axis of `term(y, p)`, after rank alignment and broadcasting.
  static func meanOverLastAxis(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ term: (Double, Double) -> Double
  ) throws -> Unreduced {
    let operands = try Operands.broadcasting(yTrue, yPred)
    let terms = zip(operands.yTrue, operands.yPred).map(term)
    let lanes = try operands.lanes(axis: -1)
    return Unreduced(lanes.reduce(terms) { ReferenceMath.sum($0) / Double($0.count) })
  }

  /// mean((y − p)²).
  static func meanSquaredError(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>) throws -> Unreduced {
    try meanOverLastAxis(yTrue, yPred) { y, p in (y - p) * (y - p) }
  }

  /// mean(|y − p|).
  static func meanAbsoluteError(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>) throws -> Unreduced {
    try meanOverLastAxis(yTrue, yPred) { y, p in abs(y - p) }
  }

  /// 100 · mean(|(y − p) / max(|y|, eps)|): the factor 100 is applied after the mean, as in Keras.
  static func meanAbsolutePercentageError(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ constants: Constants
  ) throws -> Unreduced {
    var result = try meanOverLastAxis(yTrue, yPred) { y, p in
      abs((y - p) / ReferenceMath.maximum(abs(y), constants.epsilon))
    }
    result.values = result.values.map { 100 * $0 }
    return result
  }

  /// mean((log(max(p, eps) + 1) − log(max(y, eps) + 1))²) with a float32 eps in every dtype.
  ///
  /// Keras writes `log(x + 1)`; the reference evaluates the same function as `log1p(x)`, which is
  /// its exact value rather than the value after rounding `x + 1`.
  static func meanSquaredLogarithmicError(
    _ yTrue: Tensor<Double>, _ yPred: Tensor<Double>
  ) throws -> Unreduced {
    let epsilon = Constants.float32Epsilon
    return try meanOverLastAxis(yTrue, yPred) { y, p in
      let d = log1p(ReferenceMath.maximum(p, epsilon)) - log1p(ReferenceMath.maximum(y, epsilon))
      return d * d
    }
  }

  /// mean over the last axis of ½e² where |e| ≤ δ, else δ·|e| − ½δ², with e = p − y.
  static func huber(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, delta: Double) throws -> Unreduced {
    try meanOverLastAxis(yTrue, yPred) { y, p in
      let e = p - y
      let a = abs(e)
      if a.isNaN { return a }
      return a <= delta ? 0.5 * e * e : delta * a - 0.5 * delta * delta
    }
  }

  /// mean over the last axis of x + softplus(−2x) − log 2, x = p − y, with log 2 in the dtype.
  ///
  /// x + softplus(−2x) is evaluated as |x| + log1p(e^−2|x|), the same function without cancellation.
  /// The float64 vectors Keras computed (its formulas in float64, TensorFlow's promotion) subtract the
  /// float64 log 2: log_cosh(1e-5) is 5.0e-11 there, where the float32-rounded constant would give
  /// −1.9e-9 (the value the torch backend shows). So `log2` is the constant rounded to the dtype.
  static func logCosh(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, log2: Double) throws -> Unreduced {
    try meanOverLastAxis(yTrue, yPred) { y, p in
      let x = p - y
      if x.isNaN { return x }
      if x.isInfinite { return .infinity }
      return abs(x) + log1p(exp(-2 * abs(x))) - log2
    }
  }

  /// mean over the last axis of p − y·log(p + eps).
  static func poisson(_ yTrue: Tensor<Double>, _ yPred: Tensor<Double>, _ constants: Constants) throws -> Unreduced {
    try meanOverLastAxis(yTrue, yPred) { y, p in p - y * log(p + constants.epsilon) }
  }
}
