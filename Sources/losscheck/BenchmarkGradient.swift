import Foundation
import LossCore
import LossReference
import Losses

/// The `<name>_gradient` rows of `losscheck bench`: the Float32 gradient kernel
/// (`Float32Loss.gradient` into a preallocated buffer, default reduction) against
/// `Reference.gradient(…, as: .float32)`, on the same inputs as the loss's own row.
enum GradientBenchmark {
  /// Measures the gradient of every benchmark case whose `<name>_gradient` matches `filter`, at
  /// `size` elements, and hands each row (or its error) to `emit`.
  static func run(
    size: Int, filter: String?, baseline: Double, timeReference: Bool, random: inout BenchmarkRandom,
    emit: (Result<Benchmark.Row, GradientBenchmarkError>) -> Void
  ) {
    for benchmarkCase in BenchmarkCase.all {
      let name = benchmarkCase.name + "_gradient"
      guard filter.map(name.contains) ?? true else { continue }
      let inputs = benchmarkCase.inputs(size, &random)
      do {
        emit(.success(try measure(name, benchmarkCase.loss, inputs, baseline: baseline, timeReference: timeReference)))
      } catch {
        emit(.failure(GradientBenchmarkError(name: name, count: inputs.count, error: error)))
      }
    }
  }

  private static func measure(
    _ name: String, _ loss: Loss, _ inputs: BenchmarkInputs, baseline: Double, timeReference: Bool
  ) throws -> Benchmark.Row {
    let count = Double(inputs.count)
    var gradient = [Float](repeating: 0, count: inputs.count)
    let kernelSeconds = try inputs.yTrue.withUnsafeBufferPointer { y in
      try inputs.yPred.withUnsafeBufferPointer { p in
        try gradient.withUnsafeMutableBufferPointer { out in
          let yTrue = try Operand(y, shape: inputs.trueShape, argument: "y_true")
          let yPred = try Operand(p, shape: inputs.predShape, argument: "y_pred")
          try Float32Loss.gradient(loss, yTrue: yTrue, yPred: yPred, into: out)
          return Benchmark.bestSeconds {
            try? Float32Loss.gradient(loss, yTrue: yTrue, yPred: yPred, into: out)
          }
        }
      }
    }
    var reference: Double?
    if timeReference {
      let yTrue = try Tensor(shape: inputs.trueShape, scalars: inputs.yTrue.map(Double.init))
      let yPred = try Tensor(shape: inputs.predShape, scalars: inputs.yPred.map(Double.init))
      // The reference gradient is slow: time it once (best of two up to 2^20 elements).
      var best = Double.infinity
      for _ in 0..<(inputs.count <= 1 << 20 ? 2 : 1) {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try Reference.gradient(loss, yTrue: yTrue, yPred: yPred, as: .float32)
        best = Swift.min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
      }
      reference = count / best
    }
    return Benchmark.Row(name: name, count: inputs.count, kernel: count / kernelSeconds, reference: reference, baseline: baseline)
  }
}

/// A gradient row that could not be measured.
struct GradientBenchmarkError: Error {
  let name: String
  let count: Int
  let error: Error
}
