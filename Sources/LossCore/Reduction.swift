/// How the per-sample losses are reduced to the returned value, with Keras 3's five names.
///
/// `l` is the per-sample loss tensor after the loss's own reduction, `w` the sample weight after
/// rank alignment and broadcasting, `m` the mask (from `ignore_class` or circle's `l > 0`) and `N`
/// the element count of `l·w`. Divisions are `divide_no_nan`: a zero divisor gives 0.
public enum Reduction: String, CaseIterable, Sendable, Hashable {
  /// Σ(l·w) / N, or with a mask Σ(l·w·m) / Σm. The Keras default; identical to `mean`.
  case sumOverBatchSize = "sum_over_batch_size"
  /// The same as `sumOverBatchSize`, under Keras's other name.
  case mean = "mean"
  /// Σ(l·w·m).
  case sum = "sum"
  /// Σ(l·w·m) / Σ(w·m); without weights or mask, the plain mean.
  case meanWithSampleWeight = "mean_with_sample_weight"
  /// l·w·m elementwise: weighted and masked, not reduced.
  case none = "none"

  /// Parses a Keras reduction name (`"sum_over_batch_size"`, ...).
  ///
  /// - Throws: `LossError.invalidOption` naming `reduction` for any other string, including
  ///   Keras 2's `"auto"`.
  public init(kerasName: String) throws {
    guard let reduction = Reduction(rawValue: kerasName) else {
      throw LossError.invalidOption(
        name: "reduction", value: kerasName,
        expected: Reduction.allCases.map(\.rawValue).joined(separator: ", "))
    }
    self = reduction
  }
}
