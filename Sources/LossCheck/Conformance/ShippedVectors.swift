/// The conformance vectors shipped in this package, located from this source file's path.
///
/// They live at `<package root>/Reference/Conformance/`. The paths are fixed at compile time through
/// `#filePath`, so they are valid while the package checkout that built the binary is in place.
public enum ShippedVectors {
  /// The package root: three directories above `Sources/LossCheck/Conformance/ShippedVectors.swift`.
  public static let packageRoot: String = {
    var components = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(4)  // Sources, LossCheck, Conformance, ShippedVectors.swift
    return components.joined(separator: "/")
  }()

  /// `Reference/Conformance/keras-vectors.jsonl`: the loss values Keras computed.
  public static let lossValuesPath = packageRoot + "/Reference/Conformance/keras-vectors.jsonl"

  /// `Reference/Conformance/keras-gradients.jsonl`: the same cases with Keras's gradients.
  public static let gradientsPath = packageRoot + "/Reference/Conformance/keras-gradients.jsonl"
}
