import LossCore

/// What a loss's own formula returns before the batch reduction: one value per sample (per element
/// of the non-reduced axes) and, for `ignore_class` and circle, a mask of the entries that count.
struct Unreduced {
  /// The per-sample losses.
  var values: Tensor<Double>
  /// `true` where the entry takes part in the reduction; `nil` when every entry does.
  var mask: [Bool]?

  init(_ values: Tensor<Double>, mask: [Bool]? = nil) {
    self.values = values
    self.mask = mask
  }
}
