import Foundation
import LossCore
import LossReference
import Losses

extension Command {
  static let bench = Command(
    name: "bench", arguments: "[--json] [--size N] [--case NAME] [--skip-reference]",
    summary: "Measure kernel, reference and memory-streaming throughput, and the engine's speed.",
    details: """
      For every loss and its from-logits variant, at 2^16, 2^20 and 2^24 elements of y_pred
      (categorical losses as rows of 1024 classes): elements per second of the Float32 kernel
      (best of several runs), of the Double reference, and of a streaming-read baseline that sums
      two Float arrays of the same size, timed right after each kernel (from 2^22 elements, in
      alternation with it, run by run). Then the property engine's cases per second on the
      standard property (two Float arrays of 0 to 32 elements, "MSE >= 0"). Build with -c release.

      OPTIONS:
        --json             One JSON object per line instead of the table.
        --size N           Only this element count.
        --case NAME        Only the cases whose name contains NAME (e.g. crossentropy).
        --skip-reference   Do not time the reference (its figure is then null).
      """
  ) { arguments in
    let parsed = try ParsedArguments(arguments, flags: ["json", "skip-reference"], options: ["size", "case"])
    let sizes = try parsed.option("size") { Int($0).flatMap { $0 > 0 ? $0 : nil } }.map { [$0] }
      ?? [1 << 16, 1 << 20, 1 << 24]
    let filter = parsed.options["case"]
    Benchmark.run(
      sizes: sizes, filter: filter, json: parsed.flags.contains("json"),
      timeReference: !parsed.flags.contains("skip-reference"))
    return ExitStatus.success
  }
}

/// Times the kernels, the reference and the streaming baseline.
enum Benchmark {
  /// One measured row.
  struct Row {
    let name: String
    let count: Int
    let kernel: Double
    let reference: Double?
    let baseline: Double
  }

  static func run(sizes: [Int], filter: String?, json: Bool, timeReference: Bool) {
    let cases = BenchmarkCase.all.filter { filter.map($0.name.contains) ?? true }
    if !json {
      printStandardOutput(
        "hot loops: \(InstructionSet.selected.rawValue) (InstructionSet.selected)")
      printStandardOutput(
        pad("case", 44) + pad("n", 10) + pad("kernel G/s", 12) + pad("reference M/s", 15)
          + pad("baseline G/s", 14) + "kernel/baseline")
    }
    for size in sizes {
      var random = BenchmarkRandom(seed: UInt64(size))
      let baselineInputs = BenchmarkInputs.rows(size, &random, { r in r.float(in: 0...1) }, { r in r.float(in: 0...1) })
      let baseline = Double(baselineInputs.count) / bestSeconds { _ = streamingSum(baselineInputs.yTrue, baselineInputs.yPred) }
      for benchmarkCase in cases {
        let inputs = benchmarkCase.inputs(size, &random)
        do {
          let row = try measure(benchmarkCase, inputs, baselineInputs: baselineInputs, timeReference: timeReference)
          printStandardOutput(json ? jsonLine(row) : textLine(row))
        } catch {
          printStandardOutput(
            json ? "{\"case\": \"\(benchmarkCase.name)\", \"n\": \(inputs.count), \"error\": \"\(error)\"}"
              : pad(benchmarkCase.name, 44) + pad("\(inputs.count)", 10) + "error: \(error)")
        }
      }
      // The `<name>_gradient` rows (BenchmarkGradient.swift).
      GradientBenchmark.run(
        size: size, filter: filter, baseline: baseline, timeReference: timeReference, random: &random
      ) { result in
        switch result {
        case .success(let row):
          printStandardOutput(json ? jsonLine(row) : textLine(row))
        case .failure(let failure):
          printStandardOutput(
            json ? "{\"case\": \"\(failure.name)\", \"n\": \(failure.count), \"error\": \"\(failure.error)\"}"
              : pad(failure.name, 44) + pad("\(failure.count)", 10) + "error: \(failure.error)")
        }
      }
    }
    if filter == nil || "engine".contains(filter!) {
      let engine = EngineBenchmark.casesPerSecond(seconds: 2)
      printStandardOutput(
        json ? "{\"case\": \"engine\", \"cases_per_second\": \(Int(engine))}"
          : "\nengine: \(Int(engine)) cases/s on \"MSE >= 0\" over two Float arrays of 0 to 32 elements")
    }
  }

  private static func measure(
    _ benchmarkCase: BenchmarkCase, _ inputs: BenchmarkInputs, baselineInputs: BenchmarkInputs, timeReference: Bool
  ) throws -> Row {
    let count = Double(inputs.count)
    let streaming = { _ = streamingSum(baselineInputs.yTrue, baselineInputs.yPred) }
    let kernelSeconds = try inputs.yTrue.withUnsafeBufferPointer { y in
      try inputs.yPred.withUnsafeBufferPointer { p in
        let yTrue = try Operand(y, shape: inputs.trueShape, argument: "y_true")
        let yPred = try Operand(p, shape: inputs.predShape, argument: "y_pred")
        // A first call outside the timing surfaces any error as a thrown one.
        _ = try Float32Loss.reducedValue(benchmarkCase.loss, yTrue: yTrue, yPred: yPred)
        let alternating = inputs.count >= streamingSize
        return bestSeconds(
          minimumTotal: alternating ? 0.6 : 0.3,
          { _ = try? Float32Loss.reducedValue(benchmarkCase.loss, yTrue: yTrue, yPred: yPred) },
          alternatingWith: alternating ? streaming : nil)
      }
    }
    let baselineSeconds = kernelSeconds.other ?? bestSeconds(streaming)
    var reference: Double?
    if timeReference {
      let yTrue = try Tensor(shape: inputs.trueShape, scalars: inputs.yTrue.map(Double.init))
      let yPred = try Tensor(shape: inputs.predShape, scalars: inputs.yPred.map(Double.init))
      _ = try Reference.evaluate(benchmarkCase.loss, yTrue: yTrue, yPred: yPred, as: .float32)
      reference = count / bestSeconds(minimumTotal: 0.05, maximumRuns: 2) {
        _ = try? Reference.evaluate(benchmarkCase.loss, yTrue: yTrue, yPred: yPred, as: .float32)
      }
    }
    return Row(
      name: benchmarkCase.name, count: inputs.count, kernel: count / kernelSeconds.body, reference: reference,
      baseline: Double(baselineInputs.count) / baselineSeconds)
  }

  /// From this many elements (two arrays of 16 MiB each, more than this machine's caches hold) a
  /// kernel streams from memory, and its baseline is timed in alternation with it, run by run, so
  /// that the ratio is not moved by the shared machine's bandwidth changing between the two.
  /// Below it, each is timed back to back with itself (alternating would make each evict the
  /// other's arrays: MSE at 2²⁰ read 2.6 G/s instead of 6.3), the baseline right after the kernel.
  static let streamingSize = 1 << 22

  /// The fastest of several runs of `body`: at least three, and more until about `minimumTotal`
  /// seconds have passed (at most `maximumRuns`).
  static func bestSeconds(minimumTotal: Double = 0.3, maximumRuns: Int = 200, _ body: () -> Void) -> Double {
    bestSeconds(minimumTotal: minimumTotal, maximumRuns: maximumRuns, body, alternatingWith: nil).body
  }

  /// `bestSeconds(minimumTotal:maximumRuns:_:)` of `body`; with `other`, every round also runs
  /// `other` once, right after `body`, and the fastest run of each is returned (their times
  /// count together toward `minimumTotal`).
  private static func bestSeconds(
    minimumTotal: Double = 0.3, maximumRuns: Int = 200, _ body: () -> Void, alternatingWith other: (() -> Void)?
  ) -> (body: Double, other: Double?) {
    var best = (body: Double.infinity, other: other.map { _ in Double.infinity })
    var total = 0.0
    var runs = 0
    while runs < 3 || (total < minimumTotal && runs < maximumRuns) {
      let seconds = timed(body)
      best.body = Swift.min(best.body, seconds)
      total += seconds
      if let other {
        let otherSeconds = timed(other)
        best.other = Swift.min(best.other ?? .infinity, otherSeconds)
        total += otherSeconds
      }
      runs += 1
    }
    return best
  }

  /// The wall-clock seconds one run of `body` takes.
  private static func timed(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
  }

  /// Σ (a[i] + b[i]) in SIMD8: a loop that only streams both arrays from memory.
  @inline(never)
  static func streamingSum(_ a: [Float], _ b: [Float]) -> Float {
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        var s0 = SIMD8<Float>()
        var s1 = SIMD8<Float>()
        var i = 0
        let n = a.count
        while i + 16 <= n {
          s0 += UnsafeRawPointer(a.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
            + UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
          s1 += UnsafeRawPointer(a.baseAddress! + i + 8).loadUnaligned(as: SIMD8<Float>.self)
            + UnsafeRawPointer(b.baseAddress! + i + 8).loadUnaligned(as: SIMD8<Float>.self)
          i += 16
        }
        var tail: Float = 0
        while i < n {
          tail += a[i] + b[i]
          i += 1
        }
        return (s0 + s1).sum() + tail
      }
    }
  }

  private static func jsonLine(_ row: Row) -> String {
    let reference = row.reference.map { "\(Int($0))" } ?? "null"
    return "{\"case\": \"\(row.name)\", \"n\": \(row.count), \"elements_per_second\": \(Int(row.kernel)), "
      + "\"reference_elements_per_second\": \(reference), \"baseline_elements_per_second\": \(Int(row.baseline)), "
      + "\"instruction_set\": \"\(InstructionSet.selected.rawValue)\"}"
  }

  private static func textLine(_ row: Row) -> String {
    let reference = row.reference.map { String(format: "%.1f", $0 / 1e6) } ?? "-"
    return pad(row.name, 44) + pad("\(row.count)", 10) + pad(String(format: "%.2f", row.kernel / 1e9), 12)
      + pad(reference, 15) + pad(String(format: "%.2f", row.baseline / 1e9), 14)
      + String(format: "%.0f%%", 100 * row.kernel / row.baseline)
  }

  private static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }
}
