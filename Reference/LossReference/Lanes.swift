import LossCore

/// The lanes of a tensor along a set of reduced axes: for each position of the kept axes, the flat
/// offsets of the elements that reduce into it.
///
/// `Lanes(shape: [2, 3], axes: [1])` has two lanes, `[0, 1, 2]` and `[3, 4, 5]`, and result shape
/// `[2]`, matching `ops.sum(x, axis=1)` without `keepdims`.
struct Lanes {
  /// The shape of the reduced result: `shape` without the reduced axes.
  let resultShape: [Int]
  /// The number of elements in each lane.
  let length: Int
  private let keptAxes: [Int]
  private let reducedAxes: [Int]
  private let shape: [Int]
  private let strides: [Int]

  /// Lanes of `shape` along `axes` (already resolved to non-negative, distinct, in range).
  init(shape: [Int], axes: [Int]) {
    self.shape = shape
    self.strides = Shape.strides(shape)
    self.reducedAxes = axes.sorted()
    self.keptAxes = shape.indices.filter { !axes.contains($0) }
    self.resultShape = keptAxes.map { shape[$0] }
    self.length = reducedAxes.reduce(1) { $0 * shape[$1] }
  }

  /// The number of lanes, the element count of `resultShape`.
  var count: Int { resultShape.reduce(1, *) }

  /// The flat offsets of lane `index` (row-major over the kept axes), in row-major order over the
  /// reduced axes.
  func offsets(ofLane index: Int) -> [Int] {
    var base = 0
    var rest = index
    for axis in keptAxes.reversed() {
      base += (rest % shape[axis]) * strides[axis]
      rest /= shape[axis]
    }
    var result = [Int]()
    result.reserveCapacity(length)
    for j in 0..<length {
      var offset = base
      var rest = j
      for axis in reducedAxes.reversed() {
        offset += (rest % shape[axis]) * strides[axis]
        rest /= shape[axis]
      }
      result.append(offset)
    }
    return result
  }

  /// Reduces each lane of `values` with `body`, which receives the lane's values in order.
  func reduce(_ values: [Double], _ body: ([Double]) -> Double) -> Tensor<Double> {
    let scalars = (0..<count).map { lane in body(offsets(ofLane: lane).map { values[$0] }) }
    // The count matches `resultShape` by construction.
    return try! Tensor(shape: resultShape, scalars: scalars)
  }
}
