import LossCore
import Testing

@Suite("Tensor")
struct TensorTests {
  @Test func initialiserChecksTheScalarCount() throws {
    let tensor = try Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4])
    #expect(tensor.rank == 2 && tensor.count == 4)
    #expect(throws: LossError.invalidShape(
      argument: "y_pred", shape: [2, 2], reason: "holds 3 scalars but the shape needs 4")) {
      try Tensor(shape: [2, 2], scalars: [1.0, 2, 3], argument: "y_pred")
    }
    #expect((try? Tensor(shape: [-1], scalars: [Double]())) == nil)
  }

  @Test func scalarAndVectorInitialisers() {
    #expect(Tensor(scalar: 3.0).shape == [])
    #expect(Tensor([1.0, 2, 3]).shape == [3])
  }

  @Test func descriptionNestsByAxis() throws {
    let tensor = try Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4])
    #expect(tensor.description == "Tensor[2, 2]([[1.0, 2.0], [3.0, 4.0]])")
    #expect(Tensor(scalar: 0.5).description == "Tensor[](0.5)")
  }

  @Test func reshapeKeepsScalarsAndChecksCount() throws {
    let tensor = try Tensor(shape: [2, 3], scalars: Array(0..<6).map(Double.init))
    #expect(try tensor.reshaped(to: [3, 2]).scalars == tensor.scalars)
    #expect((try? tensor.reshaped(to: [4])) == nil)
  }
}
