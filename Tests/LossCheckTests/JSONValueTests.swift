import LossCheck
import Testing

@Test func parsesEveryKindOfValue() throws {
  let value = try JSONValue(parsing: #" {"a": [1, -2.5e-3, 0], "b": true, "c": false, "d": null, "e": "x\"\u00e9\ud83d\ude00"} "#)
  #expect(
    value
      == .object([
        "a": .array([.number(1), .number(-2.5e-3), .number(0)]),
        "b": .bool(true), "c": .bool(false), "d": .null, "e": .string("x\"é😀"),
      ]))
}

@Test func readsPythonNonFiniteTokens() throws {
  guard case .array(let items) = try JSONValue(parsing: "[NaN, Infinity, -Infinity]"),
    case .number(let nan) = items[0], case .number(let inf) = items[1], case .number(let negInf) = items[2]
  else {
    Issue.record("not parsed as three numbers")
    return
  }
  #expect(nan.isNaN)
  #expect(inf == .infinity)
  #expect(negInf == -.infinity)
}

@Test func numbersRoundTripExactly() throws {
  for number in [1.3597475290298462, 0.1, Double.leastNonzeroMagnitude, 1.7976931348623157e308, Double(Float(1e-7))] {
    #expect(try JSONValue(parsing: "\(number)") == .number(number))
  }
}

@Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "{\"a\": 1, \"a\": 2}", "[1] x", "nan"])
func rejectsInvalidJSON(text: String) {
  #expect(throws: JSONValue.SyntaxError.self) { try JSONValue(parsing: text) }
}

@Test func descriptionRoundTrips() throws {
  let value: JSONValue = .object([
    "n": .array([.number(3), .number(-0.0), .number(0.1), .number(.infinity), .number(-2.5e-300)]),
    "s": .string("tab\there \"quoted\" \u{01}"), "b": .bool(false), "z": .null,
  ])
  let reparsed = try JSONValue(parsing: value.description)
  #expect(reparsed == value)
  guard case .object(let members) = reparsed, case .array(let numbers)? = members["n"],
    case .number(let negativeZero) = numbers[1]
  else { return }
  #expect(negativeZero.sign == .minus)
}
