import PropertyCheck
import Testing

/// The shrinking challenge (jlink/shrinking-challenge): each property fails, and the shrunk
/// counterexample must be the documented minimum or one as small.
@Suite struct ShrinkingChallengeTests {
  @Test func reverse() {
    let failure = expectFailure(anyInt.array(count: 0...100)) { xs in Array(xs.reversed()) == xs }
    #expect(failure?.shrunk == [0, 1])
  }

  @Test func lengthList() {
    let failure = expectFailure(Gen.int(in: 0...1000).array(count: 1...100)) { xs in xs.max()! < 900 }
    #expect(failure?.shrunk == [900])
  }

  @Test func bound5() {
    let list = Gen<Int16>.integer(in: .min ... .max).array(count: 0...10)
      .filter { $0.reduce(Int16(0), &+) < 256 }
    let failure = expectFailure(zip(list, list, list, list, list).map { [$0, $1, $2, $3, $4] }) {
      (lists: [[Int16]]) -> Bool in
      lists.joined().reduce(Int16(0), &+) < 5 * 256
    }
    guard let lists = failure?.shrunk else { return }
    #expect(lists.map { $0.count }.reduce(0, +) == 2)
    #expect(lists.filter { !$0.isEmpty }.count == 2)
  }

  @Test func largeUnionList() {
    let failure = expectFailure(anyInt.array(count: 0...10).array(count: 0...10)) { lists in
      Set(lists.joined()).count <= 4
    }
    #expect(failure?.shrunk == [[0, 1, -1, 2, -2]])
  }

  @Test func distinct() {
    let failure = expectFailure(anyInt.array(count: 0...100)) { xs in Set(xs).count < 3 }
    #expect(failure?.shrunk == [0, 1, -1])
  }

  @Test func nestedLists() {
    let failure = expectFailure(anyInt.array(count: 0...20).array(count: 0...20)) { lists in
      lists.map(\.count).reduce(0, +) <= 10
    }
    #expect(failure?.shrunk == [Array(repeating: 0, count: 11)])
  }

  @Test func deletion() {
    let gen = anyInt.array(count: 1...100).flatMap { xs in Gen.element(of: xs).map { (xs, $0) } }
    let failure = expectFailure(gen) { xs, x in
      var remaining = xs
      remaining.remove(at: remaining.firstIndex(of: x)!)
      return !remaining.contains(x)
    }
    #expect(failure?.shrunk.0 == [0, 0])
    #expect(failure?.shrunk.1 == 0)
  }

  @Test(arguments: [
    (0...0, 10, 10),
    (1...4, 10, 6),
    (1...1, 10, 9),
  ])
  func difference(forbidden: ClosedRange<Int>, x expectedX: Int, y expectedY: Int) {
    let positive = Gen.int(in: 1...1000)
    let failure = expectFailure(zip(positive, positive)) { x, y in
      x < 10 || !forbidden.contains(abs(x - y))
    }
    #expect(failure?.shrunk.0 == expectedX)
    #expect(failure?.shrunk.1 == expectedY)
  }

  @Test func coupling() {
    // A list of indices into itself: values drawn in 0...10 and reduced modulo the count.
    let gen = Gen.int(in: 0...10).array(count: 1...10).map { xs in xs.map { $0 % xs.count } }
    let failure = expectFailure(gen) { xs in
      xs.indices.allSatisfy { i in xs[i] == i || xs[xs[i]] != i }
    }
    #expect(failure?.shrunk == [1, 0])
  }

  @Test func calculator() {
    let noLiteralDivisionByZero = Expression.generator(depth: 4).filter { !$0.hasLiteralDivisionByZero }
    let failure = expectFailure(noLiteralDivisionByZero) { expression in expression.evaluate() != nil }
    #expect(failure?.shrunk.description == "0 / (0 + 0)")
  }

  @Test func binheap() {
    let gen = Gen.int(in: 0...20).flatMap { size in Heap.generator(minimumKey: 0, size: size) }
    let failure = expectFailure(gen) { heap in
      let wrong = Heap.wrongToSortedList(heap)
      return wrong == wrong.sorted() && Heap.toList(heap).sorted() == wrong
    }
    #expect(failure.map { Heap.toList($0.shrunk).count } == 4)
    #expect(failure.map { Heap.toList($0.shrunk).allSatisfy { $0 <= 1 } } == true)
  }
}

/// The calculator challenge's expressions.
indirect enum Expression: CustomStringConvertible {
  case literal(Int)
  case add(Expression, Expression)
  case divide(Expression, Expression)

  static func generator(depth: Int) -> Gen<Expression> {
    let literal = Gen.int(in: -100...100).map(Expression.literal)
    if depth == 0 { return literal }
    let sub = generator(depth: depth - 1)
    return Gen.oneOf(
      literal,
      zip(sub, sub).map(Expression.add),
      zip(sub, sub).map(Expression.divide))
  }

  var hasLiteralDivisionByZero: Bool {
    switch self {
    case .literal: return false
    case .add(let a, let b): return a.hasLiteralDivisionByZero || b.hasLiteralDivisionByZero
    case .divide(let a, .literal(0)): _ = a; return true
    case .divide(let a, let b): return a.hasLiteralDivisionByZero || b.hasLiteralDivisionByZero
    }
  }

  /// The value, or nil on a division by zero.
  func evaluate() -> Int? {
    switch self {
    case .literal(let n): return n
    case .add(let a, let b):
      guard let x = a.evaluate(), let y = b.evaluate() else { return nil }
      return x &+ y
    case .divide(let a, let b):
      guard let x = a.evaluate(), let y = b.evaluate(), y != 0 else { return nil }
      return x / y
    }
  }

  var description: String {
    switch self {
    case .literal(let n): return "\(n)"
    case .add(let a, let b): return "(\(a) + \(b))"
    case .divide(let a, let b): return "\(a.operand) / \(b.operand)"
    }
  }

  /// The description, parenthesised unless it is a literal or already parenthesised.
  private var operand: String {
    switch self {
    case .divide: return "(\(description))"
    default: return description
    }
  }
}

/// The binheap challenge's heap and its wrong conversion to a sorted list.
final class Heap {
  let head: Int
  let left: Heap?
  let right: Heap?

  init(head: Int, left: Heap?, right: Heap?) {
    self.head = head
    self.left = left
    self.right = right
  }

  static func generator(minimumKey: Int, size: Int) -> Gen<Heap?> {
    if size <= 0 { return .constant(nil) }
    return Gen.int(in: 1...8).flatMap { branch -> Gen<Heap?> in
      if branch == 1 { return .constant(nil) }
      return Gen.int(in: minimumKey...(minimumKey + 1000)).flatMap { head in
        let child = generator(minimumKey: head, size: size / 2)
        return zip(child, child).map { Heap(head: head, left: $0, right: $1) }
      }
    }
  }

  static func merge(_ a: Heap?, _ b: Heap?) -> Heap? {
    guard let a else { return b }
    guard let b else { return a }
    return a.head <= b.head
      ? Heap(head: a.head, left: merge(a.right, b), right: a.left)
      : Heap(head: b.head, left: merge(b.right, a), right: b.left)
  }

  static func toList(_ heap: Heap?) -> [Int] {
    guard let heap else { return [] }
    return [heap.head] + toList(heap.left) + toList(heap.right)
  }

  static func wrongToSortedList(_ heap: Heap?) -> [Int] {
    guard let heap else { return [] }
    return [heap.head] + toList(merge(heap.left, heap.right))
  }
}
