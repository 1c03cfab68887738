import PropertyCheck
import Testing

@Suite struct TensorTests {
  @Test func tensorsPrintTheirShapeThenNestedScalars() {
    let matrix = TensorValue(shape: [2, 3], scalars: [0.0, 1.5, 0.0, 1.0, 0.0, 0.0])
    #expect(matrix.description == "[2, 3] [[0.0, 1.5, 0.0], [1.0, 0.0, 0.0]]")
    #expect(TensorValue(shape: [], scalars: [Float(3)]).description == "[] 3.0")
    #expect(TensorValue<Int>(shape: [2, 0], scalars: []).description == "[2, 0] [[], []]")
    #expect("\((TensorValue(shape: [1], scalars: [7]), 2))" == "([1] [7], 2)")
  }

  @Test func shapesStayWithinTheirRankAndDimensionRanges() {
    let shapes = Gen.shape(rank: 1...4, dimension: 2...3).samples(count: 2000, seed: Seed(1))
    #expect(shapes.allSatisfy { (1...4).contains($0.count) && $0.allSatisfy { (2...3).contains($0) } })
    #expect(Set(shapes.map(\.count)) == [1, 2, 3, 4])
  }

  @Test func tensorsFillTheirDrawnShape() {
    let tensors = Gen.float(in: -1...1).tensor(shapes: Gen.shape()).samples(count: 500, seed: Seed(2))
    #expect(tensors.allSatisfy { $0.scalars.count == $0.shape.reduce(1, *) })
  }

  @Test func probabilityRowsLieOnTheSimplex() {
    let tensors = Gen<TensorValue<Float>>.probabilities(shape: [3, 4]).samples(count: 1000, seed: Seed(3))
    var sawZero = false
    for tensor in tensors {
      #expect(tensor.shape == [3, 4])
      for row in 0..<3 {
        let entries = tensor.scalars[row * 4..<row * 4 + 4]
        #expect(entries.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(abs(entries.reduce(0, +) - 1) <= 1e-5)
        sawZero = sawZero || entries.contains(0)
      }
    }
    #expect(sawZero)

    let positive = Gen<TensorValue<Double>>.probabilities(shape: [5], allowingZeros: false)
    #expect(positive.samples(count: 1000, seed: Seed(4)).allSatisfy { $0.scalars.allSatisfy { $0 > 0 } })
  }

  @Test func probabilityRowsShrinkToTheUniformVector() {
    let failure = expectFailure(Gen<TensorValue<Double>>.probabilities(shape: [4])) { _ in false }
    #expect(failure?.shrunk.scalars == [0.25, 0.25, 0.25, 0.25])
  }

  @Test func oneHotRowsHoldASingleOne() {
    let tensors = Gen<TensorValue<Float>>.oneHot(shape: [2, 5]).samples(count: 500, seed: Seed(5))
    for tensor in tensors {
      for row in 0..<2 {
        let entries = tensor.scalars[row * 5..<row * 5 + 5]
        #expect(entries.filter { $0 == 1 }.count == 1 && entries.filter { $0 == 0 }.count == 4)
      }
    }
    let failure = expectFailure(Gen<TensorValue<Float>>.oneHot(shape: [1, 3])) { _ in false }
    #expect(failure?.shrunk.scalars == [1, 0, 0])
  }

  @Test func labelsAndLogitsStayInRange() {
    let labels = Gen<TensorValue<Int>>.labels(shape: [8], classes: 3).samples(count: 500, seed: Seed(6))
    #expect(labels.allSatisfy { $0.scalars.allSatisfy { (0..<3).contains($0) } })
    #expect(Set(labels.flatMap(\.scalars)) == [0, 1, 2])

    let logits = Gen<TensorValue<Float>>.logits(shape: [2, 2]).samples(count: 2000, seed: Seed(7))
    let scalars = logits.flatMap(\.scalars)
    #expect(scalars.allSatisfy { (-1e4...1e4).contains($0) })
    #expect(scalars.contains(1e4) && scalars.contains(-1e4) && scalars.contains(88.72))
  }
}
