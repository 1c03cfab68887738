import PropertyCheck
import Testing

@Suite struct GeneratorTests {
  @Test func floatsAreFiniteUnlessAsked() {
    let finite = Gen.float().samples(count: 20_000, seed: Seed(1))
    #expect(finite.allSatisfy { $0.isFinite })
    let doubles = Gen.double(in: -1...1).samples(count: 20_000, seed: Seed(2))
    #expect(doubles.allSatisfy { $0.isFinite })

    let withNaN = Gen.float(including: .nan).samples(count: 20_000, seed: Seed(3))
    #expect(withNaN.contains { $0.isNaN })
    #expect(!withNaN.contains { $0.isInfinite })

    let nonFinite = Gen.double(in: 0...1, including: .nonFinite).samples(count: 20_000, seed: Seed(4))
    #expect(nonFinite.contains { $0.isNaN })
    #expect(nonFinite.contains(.infinity))
    #expect(nonFinite.contains(-.infinity))
  }

  @Test func floatsHitTheNumericalEdgesInsideTheirRange() {
    let values = Set(Gen.float().samples(count: 40_000, seed: Seed(5)).map(\.bitPattern))
    let edges: [Float] = [
      -0.0, Float.leastNonzeroMagnitude, Float.leastNormalMagnitude, Float(1e-7), 1 - 0x1p-23, Float(1).nextDown,
      0.5, 88.72, -88.72, -103.97, 1e4, -1e4, Float.greatestFiniteMagnitude, -Float.greatestFiniteMagnitude,
    ]
    for edge in edges {
      #expect(values.contains(edge.bitPattern), "missing edge \(edge)")
    }

    let unit = Gen.float(in: 0...1).samples(count: 20_000, seed: Seed(6))
    #expect(unit.allSatisfy { (0...1).contains($0) && $0.sign == .plus })
    #expect(unit.contains(0.5) && unit.contains(1 - 0x1p-23) && unit.contains(.leastNonzeroMagnitude))

    let doubles = Set(Gen.double().samples(count: 40_000, seed: Seed(7)))
    #expect(doubles.contains(709.78) && doubles.contains(-709.78) && doubles.contains(-745.13))
    #expect(doubles.contains(Double(Float(1e-7))) && doubles.contains(1 - 1e-7))
  }

  @Test func integersStayInRangeAndReachBothEnds() {
    let values = Gen.int(in: -7...1000).samples(count: 5000, seed: Seed(8))
    #expect(values.allSatisfy { (-7...1000).contains($0) })
    #expect(values.contains(-7) && values.contains(1000) && values.contains(0))
    let bytes = Gen<Int8>.integer(in: .min ... .max).samples(count: 5000, seed: Seed(9))
    #expect(bytes.contains(.min) && bytes.contains(.max))
    let unsigned = Gen<UInt64>.integer(in: 10 ... .max).samples(count: 1000, seed: Seed(10))
    #expect(unsigned.allSatisfy { $0 >= 10 } && unsigned.contains(.max))
  }

  @Test func arraysRespectTheirCountRange() {
    let arrays = Gen.bool.array(count: 2...5).samples(count: 2000, seed: Seed(11))
    #expect(arrays.allSatisfy { (2...5).contains($0.count) })
    #expect(Set(arrays.map(\.count)) == [2, 3, 4, 5])
  }

  @Test func frequencyFollowsItsWeightsAndShrinksToTheFirstChoice() {
    let gen = Gen.frequency([(weight: 0, generator: .constant("never")), (weight: 1, generator: .constant("b")),
                             (weight: 3, generator: .constant("c"))])
    let values = gen.samples(count: 4000, seed: Seed(12))
    #expect(!values.contains("never"))
    let c = values.filter { $0 == "c" }.count
    #expect((2700...3300).contains(c))

    let rarelyFirst = Gen.frequency([(weight: 1, generator: .constant(1)), (weight: 99, generator: .constant(2))])
    let failure = expectFailure(rarelyFirst) { $0 == 0 }
    #expect(failure?.original == 2)
    #expect(failure?.shrunk == 1)
  }

  @Test func oneOfAndElementShrinkToTheirFirstOption() {
    let failure = expectFailure(zip(Gen.oneOf(.constant("a"), .constant("b")), Gen.element(of: [3, 2, 1]))) { _, n in n > 10 }
    #expect(failure?.shrunk.0 == "a")
    #expect(failure?.shrunk.1 == 3)
  }

  @Test func filterOnlyYieldsAcceptedValues() {
    let evens = Gen.int(in: 0...1000).filter { $0 % 2 == 0 }
    #expect(evens.samples(count: 500, seed: Seed(13)).allSatisfy { $0 % 2 == 0 })
    let failure = expectFailure(evens) { $0 < 100 }
    #expect(failure?.shrunk == 100)
  }

  @Test func sizeGrowsOverARun() {
    var sizes: [Int] = []
    let configuration = CheckConfiguration(maxCases: 200, seed: Seed(14), maxSize: 50, regressions: nil)
    let report = checkProperty("sizes", Gen.sized { Gen.constant($0) }, configuration: configuration) { size in
      sizes.append(size)
      return true
    }
    #expect(report.passed)
    #expect(sizes.first == 0 && sizes.last == 50)
    #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 <= $1 })
  }
}
