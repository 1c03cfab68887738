import LossCore

/// The groups of losses the libFuzzer harnesses split the work into, one harness per family.
public enum FuzzFamily: String, CaseIterable, Sendable {
  /// Elementwise regression, hinge, divergence, cosine and overlap losses.
  case regression
  /// Binary and categorical crossentropy, plain and focal.
  case crossentropy
  /// Integer-label and structured losses: sparse categorical, generalized crossentropy, CTC, circle.
  case structured

  /// The harness's name, `fuzz_<family>`.
  public var harnessName: String { "fuzz_\(rawValue)" }

  /// The losses of the family.
  public var losses: [LossName] {
    LossName.allCases.filter { FuzzFamily.of($0) == self }
  }

  /// The family `name` belongs to.
  public static func of(_ name: LossName) -> FuzzFamily {
    switch name {
    case .binaryCrossentropy, .binaryFocalCrossentropy, .categoricalCrossentropy, .categoricalFocalCrossentropy:
      .crossentropy
    case .sparseCategoricalCrossentropy, .categoricalGeneralizedCrossEntropy, .ctc, .circle:
      .structured
    default:
      .regression
    }
  }

  /// A libFuzzer entry point's work: -1 (reject, keep out of the corpus) when the bytes select a
  /// loss of another family, else the check's finding or nil.
  public func testOneInput(_ bytes: [UInt8]) -> Result<FuzzFinding?, Rejected> {
    guard FuzzFamily.of(FuzzInput.lossName(of: bytes)) == self else { return .failure(Rejected()) }
    return .success(FuzzCheck.run(bytes))
  }

  /// The bytes select a loss of another family.
  public struct Rejected: Error {}
}
