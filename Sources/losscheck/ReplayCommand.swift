import Foundation
import LossCheck

extension Command {
  static let replay = Command(
    name: "replay", arguments: "FILE...",
    summary: "Decode fuzzer inputs (crash files, corpus entries) and re-run the fuzz check.",
    details: """
      Decodes each file as the libFuzzer harnesses and 'losscheck fuzz' do, prints the loss with
      its options, the input (with every scalar's bit pattern) and the outcome of the check: the
      property and what differs, or that every property holds. Exits 1 when any file fails.
      """
  ) { arguments in
    let parsed = try ParsedArguments(arguments)
    guard !parsed.positionals.isEmpty else { throw UsageError("replay needs at least one FILE") }
    var failed = false
    for path in parsed.positionals {
      guard let data = FileManager.default.contents(atPath: path) else {
        printStandardError("losscheck: cannot read \(path)")
        failed = true
        continue
      }
      let bytes = [UInt8](data)
      let input = FuzzInput.decode(bytes)
      printStandardOutput("\(path): \(bytes.count) bytes, harness \(FuzzFamily.of(input.loss.name).harnessName)")
      printStandardOutput(input.description)
      printStandardOutput(input.bitPatterns)
      if let finding = FuzzCheck.check(input) {
        printStandardOutput("FAIL property \(finding.property): \(finding.detail)")
        if let known = FuzzKnownIssue.matching(finding) {
          printStandardOutput("known issue \(known.id) (not reported by the fuzzers while open): \(known.summary)")
        }
        failed = true
      } else {
        printStandardOutput("pass: every property holds")
      }
      printStandardOutput("")
    }
    return failed ? ExitStatus.failure : ExitStatus.success
  }
}
