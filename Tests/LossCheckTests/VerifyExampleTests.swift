import LossCheck
import Testing

// The README's example of checking a kernel of your own, compiled and run as it is printed there
// (the snippet is the first block below, down to `mseMatchesKeras`). This file imports only what the
// README's snippet imports, so it also checks that LossCheck and Testing are enough.

// MARK: - README snippet

/// My MSE kernel: the mean of (y − p)² over all elements, i.e. Keras's per-row mean then the
/// mean over the batch (`sum_over_batch_size`).
func myMSE(_ y: [Float], _ p: [Float]) -> Float {
  var sum = 0.0  // accumulate in Double: a Float sum of many squares drifts past the bound
  for i in y.indices { let d = Double(y[i]) - Double(p[i]); sum += d * d }
  return Float(sum / Double(y.count))
}

@Test func mseMatchesKeras() {
  assertVerified(.meanSquaredError, candidate: .tensors(name: "myMSE") { y, p in myMSE(y.scalars, p.scalars) })
}

// MARK: - The buffer form

/// The same kernel written against raw buffers, the form of a kernel that takes pointers.
@Test func mseOverBuffersMatchesKeras() {
  let candidate = Candidate.buffers(name: "myMSE (buffers)") { y, _, p, _ in
    var sum = 0.0
    for i in 0..<y.count {
      let d = Double(y[i]) - Double(p[i])
      sum += d * d
    }
    return Float(sum / Double(y.count))
  }
  assertVerified(.meanSquaredError, candidate: candidate)
}

// MARK: - What a failure looks like

/// A broken kernel (it divides by the length of the last axis, the "batch" of a rank-1 input,
/// instead of the element count) fails, and the report names the property, the seed and a shrunk
/// counterexample. `verify` returns the report that `assertVerified` would record as the failure.
@Test func aBrokenKernelFailsWithAShrunkCounterexample() throws {
  let broken = Candidate.tensors(name: "myMSE (÷ last axis)") { y, p in
    var sum = 0.0
    for i in y.scalars.indices {
      let d = Double(y.scalars[i]) - Double(p.scalars[i])
      sum += d * d
    }
    return Float(sum / Double(y.shape.last ?? 1))
  }
  let report = verify(.meanSquaredError, candidate: broken, seed: VerifyExample.seed, regressions: nil)
  print(report)
  #expect(!report.passed)
  let failure = try #require(report.failures.first)
  #expect(failure.name == "agrees with the reference as float32")
  #expect(try #require(failure.counterexampleSize) <= 6)
  #expect(report.description.contains("Replay: LOSSCHECK_SEED=\(VerifyExample.seed)"))
}
