import PropertyCheck
import Testing

@Test func smoke() {
  let report = checkProperty("sum", Gen.float(in: -1000...1000).array(count: 0...20), configuration: .init(seed: Seed(1), regressions: nil)) { xs in
    xs.reduce(0, +) <= 10
  }
  print(report)
}
