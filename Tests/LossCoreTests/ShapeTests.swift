import LossCore
import Testing

@Suite("Shape rules")
struct ShapeTests {
  @Test func elementCountRejectsNegativeAndOverflowingShapes() {
    #expect(Shape.elementCount([2, 3, 4]) == 24)
    #expect(Shape.elementCount([]) == 1)
    #expect(Shape.elementCount([3, 0]) == 0)
    #expect(Shape.elementCount([2, -1]) == nil)
    #expect(Shape.elementCount([Int.max, 2]) == nil)
  }

  @Test func stridesAreRowMajor() {
    #expect(Shape.strides([2, 3, 4]) == [12, 4, 1])
    #expect(Shape.strides([5]) == [1])
    #expect(Shape.strides([]) == [])
  }

  @Test(arguments: [
    ([2, 3], [3], [2, 3] as [Int]?),
    ([2, 1], [1, 4], [2, 4]),
    ([4], [2, 1, 4], [2, 1, 4]),
    ([2, 3], [2], nil),
    ([], [3], [3]),
  ])
  func broadcastFollowsNumPy(a: [Int], b: [Int], expected: [Int]?) {
    #expect(Shape.broadcast(a, b) == expected)
    #expect(Shape.broadcast(b, a) == expected)
  }

  @Test func broadcastIndicesRepeatAlongBroadcastAxes() {
    // [2, 1] to [2, 3]: each row repeats its single element.
    #expect(Shape.broadcastIndices(from: [2, 1], to: [2, 3]) == [0, 0, 0, 1, 1, 1])
    // [3] to [2, 3]: the vector repeats for each row.
    #expect(Shape.broadcastIndices(from: [3], to: [2, 3]) == [0, 1, 2, 0, 1, 2])
    // A scalar to anything.
    #expect(Shape.broadcastIndices(from: [], to: [2, 2]) == [0, 0, 0, 0])
  }

  /// Keras's `squeeze_or_expand_to_same_rank`: acts only on a rank difference of one with a
  /// trailing 1 on the longer shape.
  @Test func alignRanksMatchesKeras() {
    #expect(Shape.alignRanks([4], [4, 1]) == ([4, 1], [4, 1]))  // rank-1 shorter: expand it
    #expect(Shape.alignRanks([4, 1], [4]) == ([4, 1], [4, 1]))
    #expect(Shape.alignRanks([2, 3, 1], [2, 3]) == ([2, 3], [2, 3]))  // otherwise squeeze the longer
    #expect(Shape.alignRanks([2, 3], [2, 3, 1]) == ([2, 3], [2, 3]))
    #expect(Shape.alignRanks([2, 3], [2, 3, 4]) == ([2, 3], [2, 3, 4]))  // last dim not 1: unchanged
    #expect(Shape.alignRanks([2], [2, 3, 1]) == ([2], [2, 3, 1]))  // rank difference 2: unchanged
  }

  @Test func normalizedAxisCountsFromTheEnd() {
    #expect(Shape.normalizedAxis(-1, rank: 3) == 2)
    #expect(Shape.normalizedAxis(0, rank: 3) == 0)
    #expect(Shape.normalizedAxis(3, rank: 3) == nil)
    #expect(Shape.normalizedAxis(-4, rank: 3) == nil)
  }
}

@Suite("Shape offsets")
struct ShapeOffsetTests {
  /// Moving axis 0 of a [2, 3] tensor innermost visits columns: 0, 3, 1, 4, 2, 5.
  @Test func transposedOffsetsVisitThePermutedAxesRowMajor() {
    #expect(Shape.transposedOffsets(shape: [2, 3], order: [1, 0]) == [0, 3, 1, 4, 2, 5])
    #expect(Shape.transposedOffsets(shape: [2, 3], order: [0, 1]) == [0, 1, 2, 3, 4, 5])
    #expect(Shape.transposedOffsets(shape: [2, 0], order: [1, 0]) == [])
    // [2, 2, 2] with the last axis moved first.
    #expect(Shape.transposedOffsets(shape: [2, 2, 2], order: [2, 0, 1]) == [0, 2, 4, 6, 1, 3, 5, 7])
  }
}
