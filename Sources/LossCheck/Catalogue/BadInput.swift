import LossCore

// PENDING: the properties of this group are being written.
enum BadInput {
  static func properties(of loss: Loss, for candidate: Candidate) -> [LossProperty] { [] }
}
