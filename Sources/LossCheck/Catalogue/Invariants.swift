import LossCore

// PENDING: the properties of this group are being written.
enum Invariants {
  static func properties(of loss: Loss, for candidate: Candidate) -> [LossProperty] { [] }
}
