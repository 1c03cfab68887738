import LossCheck
import LossCore
import Losses
import PropertyCheck
import Testing

/// The gradient properties of the catalogue on the module's own kernels, and the candidate API for
/// gradient kernels.
@Suite struct GradientVerificationTests {
  static let seed = Seed(0x4752_4144_5645_5249)

  /// Every gradient property (agreement with the reference gradient as float32, the laws, and the
  /// reference against finite differences) holds on `Float32Loss` for every configuration of the
  /// loss: fixed seed, 20 cases per property (the main job runs many more).
  @Test(arguments: LossName.allCases)
  func gradientPropertiesHoldForTheFloat32Kernels(_ name: LossName) {
    let configuration = CheckConfiguration(maxCases: 20, seed: Self.seed, regressions: nil)
    for loss in Catalogue.configurations(of: name) {
      let properties = GradientProperties.properties(of: loss, for: .float32Kernels)
      #expect(properties.count >= 4, "\(loss): \(properties.map(\.name))")
      for property in properties {
        let outcome = property.check(.float32Kernels, configuration: configuration)
        #expect(outcome.passed, "\(loss): \(outcome.report)")
      }
    }
  }

  /// The catalogue adds the gradient properties exactly for candidates with a gradient kernel, and
  /// the finite-difference check of the reference only for those that ask for it.
  @Test func catalogueAddsGradientPropertiesForGradientCandidates() {
    let loss = Loss.meanSquaredError
    let valueOnly = Candidate.tensors(name: "value only") { _, _ in 0 }
    #expect(valueOnly.gradient == nil)
    #expect(!Catalogue.properties(of: loss, for: valueOnly).contains { $0.name.contains("gradient") })
    let all = Catalogue.properties(of: loss, for: .float32Kernels).map(\.name)
    #expect(all.contains("gradient agrees with the reference gradient as float32"))
    #expect(all.contains("reference gradient matches central finite differences"))
    let user = Candidate.float32Kernels.withGradient(name: "mine") { loss, input in
      try Float32Loss.gradient(loss, yTrue: input.yTrue, yPred: input.yPred, sampleWeight: input.sampleWeight,
                               reduction: input.reduction)
    }
    let userProperties = Catalogue.properties(of: loss, for: user).map(\.name)
    #expect(userProperties.contains("gradient agrees with the reference gradient as float32"))
    #expect(!userProperties.contains("reference gradient matches central finite differences"))
  }

  /// A correct MSE value and gradient kernel written over tensors passes verify; over buffers too.
  @Test func userGradientKernelsPassVerify() {
    let tensors = Candidate.tensors(
      name: "MSE over tensors",
      value: { y, p in
        // The mean of per-sample means is the mean over every element (rows of equal length).
        let sum = zip(y.scalars, p.scalars).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        return Float(sum / Double(max(p.count, 1)))
      },
      gradient: { y, p in
        zip(y.scalars, p.scalars).map { 2 * ($1 - $0) / Float(max(p.count, 1)) }
      })
    let budget = VerificationBudget(casesPerProperty: 60)
    let report = verify(.meanSquaredError, candidate: tensors, budget: budget, seed: Self.seed, regressions: nil)
    #expect(report.passed, "\(report)")

    let buffers = Candidate.buffers(
      name: "MSE over buffers",
      value: { y, _, p, _ in
        var sum = 0.0
        for i in 0..<p.count { sum += Double((y[i] - p[i]) * (y[i] - p[i])) }
        return Float(sum / Double(max(p.count, 1)))
      },
      gradient: { y, _, p, _, out in
        for i in 0..<p.count { out[i] = 2 * (p[i] - y[i]) / Float(max(p.count, 1)) }
      })
    let bufferReport = verify(.meanSquaredError, candidate: buffers, budget: budget, seed: Self.seed, regressions: nil)
    #expect(bufferReport.passed, "\(bufferReport)")
  }

  /// The agreement check is a public function: a wrong element is reported with its error.
  @Test func agreementCheckReportsAWrongElement() throws {
    let input = LossInput(
      yTrue: try Tensor(shape: [2], scalars: [0, 0]), yPred: try Tensor(shape: [2], scalars: [1, 2]))
    let wrong = Candidate.float32Kernels.withGradient { _, input in input.yPred.map { -$0 } }
    var measurement = Measurement()
    let message = try GradientProperties.check(.meanSquaredError, input, candidate: wrong, measurement: &measurement)
    #expect(message?.contains("gradient element 0") == true, "\(message ?? "nil")")
    var clean = Measurement()
    #expect(try GradientProperties.check(.meanSquaredError, input, candidate: .float32Kernels, measurement: &clean) == nil)
    #expect(clean.largestError != nil)
    #expect(try GradientProperties.checkFiniteDifferences(.meanSquaredError, input) == nil)
  }
}
