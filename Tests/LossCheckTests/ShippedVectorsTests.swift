import Foundation
import LossCheck
import LossCore
import Testing

@Test func shippedVectorsParse() throws {
  let cases = try ConformanceCase.load(contentsOf: ShippedVectors.lossValuesPath)
  #expect(cases.count == 644)
  #expect(Set(cases.map(\.lossName)) == Set(LossName.allCases))
  #expect(cases.filter(\.expectsError).count == 4)
}

@Test func shippedGradientVectorsParse() throws {
  let cases = try ConformanceCase.load(contentsOf: ShippedVectors.gradientsPath)
  #expect(!cases.isEmpty)
  #expect(cases.allSatisfy { $0.expectedGradient != nil && $0.gradientTolerance != nil })
}

/// Every shipped Keras vector passes through the Double reference.
@Test func shippedVectorsPass() throws {
  let cases = try ConformanceCase.load(contentsOf: ShippedVectors.lossValuesPath)
  let report = ConformanceRunner().run(cases)
  for failure in report.failures.prefix(20) {
    Issue.record(Comment(rawValue: failure.failureDescription))
  }
  #expect(report.passedCount == 644, "\(report.closingLine)")
}
