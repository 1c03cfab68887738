#if canImport(Testing)
  import Testing
#endif
#if canImport(XCTest)
  import XCTest
#endif

/// Checks a property and records a failure in Swift Testing or XCTest at the caller's location.
///
/// Inside a Swift Testing test the report is recorded with `Issue.record`; elsewhere (an XCTest
/// test) with `XCTFail`. A passing property records nothing. See
/// ``checkProperty(_:_:configuration:_:)`` for how cases are generated, shrunk and stored.
///
///     @Test func reverseTwice() {
///       assertProperty("reverse twice", Gen.int(in: 0...9).array(count: 0...8)) { xs in
///         Array(xs.reversed().reversed()) == xs
///       }
///     }
///
/// - Returns: the report, for callers that want to inspect it.
@discardableResult
public func assertProperty<Value, Result: PropertyResult>(
  _ name: String,
  _ generator: Gen<Value>,
  configuration: CheckConfiguration = CheckConfiguration(),
  fileID: String = #fileID,
  filePath: StaticString = #filePath,
  line: UInt = #line,
  column: UInt = #column,
  _ property: (Value) throws -> Result
) -> CheckReport<Value> {
  let report = checkProperty(name, generator, configuration: configuration, property)
  if !report.passed {
    recordTestFailure(report.description, fileID: fileID, filePath: filePath, line: line, column: column)
  }
  return report
}

/// Records `message` as a test failure in whichever framework is running the current test: an
/// `Issue.record` at the given location inside a Swift Testing test, `XCTFail` otherwise.
public func recordTestFailure(_ message: String, fileID: String, filePath: StaticString, line: UInt, column: UInt) {
  #if canImport(Testing)
    if Test.current != nil {
      let location = SourceLocation(
        fileID: fileID, filePath: String(describing: filePath), line: Int(line), column: Int(column))
      Issue.record(Comment(rawValue: message), sourceLocation: location)
      return
    }
  #endif
  #if canImport(XCTest)
    XCTFail(message, file: filePath, line: line)
  #else
    fatalError(message, file: filePath, line: line)
  #endif
}
