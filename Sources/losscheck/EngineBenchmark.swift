import PropertyCheck

/// Measures PropertyCheck's throughput on the standard property, for the `bench` command.
enum EngineBenchmark {
  /// Runs "MSE ≥ 0" over two Float arrays of 0 to 32 elements through the full runner (generation
  /// and evaluation of every case, no regression store) for about `seconds`, and returns cases/s.
  static func casesPerSecond(seconds: Double) -> Double {
    let array = Gen.float().array(count: 0...32)
    let configuration = CheckConfiguration(
      maxCases: .max, timeLimit: .milliseconds(Int64(seconds * 1000)), seed: Seed(0x5EED), regressions: nil)
    let start = ContinuousClock.now
    let report = checkProperty("MSE ≥ 0", zip(array, array), configuration: configuration) { a, b in
      let count = min(a.count, b.count)
      var sum: Float = 0
      for index in 0..<count {
        let difference = a[index] - b[index]
        sum += difference * difference
      }
      let mse = count == 0 ? 0 : sum / Float(count)
      return mse >= 0
    }
    let elapsed = ContinuousClock.now - start
    precondition(report.passed, "the benchmark property must pass:\n\(report)")
    let (wholeSeconds, attoseconds) = elapsed.components
    return Double(report.casesRun) / (Double(wholeSeconds) + Double(attoseconds) * 1e-18)
  }
}
