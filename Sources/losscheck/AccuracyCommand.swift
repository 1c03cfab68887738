import Foundation

extension Command {
  static let accuracy = Command(
    name: "accuracy", arguments: "[--exhaustive]",
    summary: "Measure the vectorised exp/log/log1p/softplus/sigmoid against Double, in ULPs.",
    details: """
      Compares each of the Losses module's vectorised Float functions with Double libm and
      prints the largest error in ULPs of the exact result, the input where it occurs, and
      whether the SIMD8 and scalar overloads ever disagree. By default every 97th Float bit
      pattern (about 44 million inputs); --exhaustive checks all 2^32 (minutes; build with -c release).
      """
  ) { arguments in
    let parsed = try ParsedArguments(arguments, flags: ["exhaustive"])
    let measurements = ElementaryAccuracy.measure(exhaustive: parsed.flags.contains("exhaustive"))
    printStandardOutput("function     max ULP   worst input       inputs checked   SIMD/scalar mismatches")
    for m in measurements {
      printStandardOutput(
        m.name.padding(toLength: 13, withPad: " ", startingAt: 0)
          + String(format: "%-10.4f", m.maxULP)
          + "\(m.worstInput)".padding(toLength: 18, withPad: " ", startingAt: 0)
          + "\(m.inputsChecked)".padding(toLength: 17, withPad: " ", startingAt: 0)
          + "\(m.scalarMismatches)")
    }
    return measurements.allSatisfy { $0.scalarMismatches == 0 } ? ExitStatus.success : ExitStatus.failure
  }
}
