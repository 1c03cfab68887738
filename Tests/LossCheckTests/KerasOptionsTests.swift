import LossCheck
import LossCore
import Testing

/// Parses an options object written as JSON text.
private func options(_ json: String) throws -> [String: JSONValue] {
  guard case .object(let members) = try JSONValue(parsing: json) else {
    Issue.record("not an object: \(json)")
    return [:]
  }
  return members
}

private func loss(_ name: String, _ json: String = "{}") throws -> Loss {
  try Loss(kerasName: name, options: try options(json))
}

@Test func missingOptionsTakeKerasDefaults() throws {
  #expect(try loss("binary_focal_crossentropy") == .binaryFocalCrossentropy(
    applyClassBalancing: false, alpha: 0.25, gamma: 2, fromLogits: false, labelSmoothing: 0, axis: -1))
  #expect(try loss("categorical_focal_crossentropy") == .categoricalFocalCrossentropy(alpha: [0.25]))
  #expect(try loss("sparse_categorical_crossentropy") == .sparseCategoricalCrossentropy(ignoreClass: nil))
  #expect(try loss("huber") == .huber(delta: 1))
  #expect(try loss("circle") == .circle(gamma: 80, margin: 0.4, removeDiagonal: true))
  #expect(try loss("categorical_generalized_cross_entropy") == .categoricalGeneralizedCrossEntropy(q: 0.5))
  #expect(try loss("tversky") == .tversky(alpha: 0.5, beta: 0.5, axis: nil))
  #expect(try loss("dice") == .dice(axis: nil))
}

@Test func everyLossNameMapsToItsCase() throws {
  for name in LossName.allCases {
    #expect(try Loss(kerasName: name.rawValue).name == name)
  }
}

@Test func booleanOptions() throws {
  #expect(try loss("binary_crossentropy", #"{"from_logits": true}"#) == .binaryCrossentropy(fromLogits: true))
  #expect(
    try loss("binary_focal_crossentropy", #"{"apply_class_balancing": true}"#)
      == .binaryFocalCrossentropy(applyClassBalancing: true))
  #expect(try loss("circle", #"{"remove_diagonal": false}"#) == .circle(removeDiagonal: false))
}

@Test func numberOptions() throws {
  #expect(
    try loss("categorical_crossentropy", #"{"label_smoothing": 0.1}"#)
      == .categoricalCrossentropy(labelSmoothing: 0.1))
  #expect(try loss("huber", #"{"delta": 2.5}"#) == .huber(delta: 2.5))
  #expect(
    try loss("binary_focal_crossentropy", #"{"alpha": 0.4, "gamma": 0}"#)
      == .binaryFocalCrossentropy(alpha: 0.4, gamma: 0))
  #expect(try loss("tversky", #"{"alpha": 0.7, "beta": 0.3}"#) == .tversky(alpha: 0.7, beta: 0.3))
  #expect(try loss("categorical_generalized_cross_entropy", #"{"q": 0.25}"#) == .categoricalGeneralizedCrossEntropy(q: 0.25))
  #expect(try loss("circle", #"{"gamma": 32, "margin": -0.25}"#) == .circle(gamma: 32, margin: -0.25))
}

@Test func integerAxisAndIgnoreClass() throws {
  #expect(try loss("cosine_similarity", #"{"axis": 0}"#) == .cosineSimilarity(axis: 0))
  #expect(try loss("binary_crossentropy", #"{"axis": -2}"#) == .binaryCrossentropy(axis: -2))
  #expect(
    try loss("sparse_categorical_crossentropy", #"{"ignore_class": -1, "from_logits": true}"#)
      == .sparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1))
  #expect(try loss("sparse_categorical_crossentropy", #"{"ignore_class": null}"#) == .sparseCategoricalCrossentropy())
}

@Test func axisListsForDiceAndTversky() throws {
  #expect(try loss("dice", #"{"axis": [1, 2]}"#) == .dice(axis: [1, 2]))
  #expect(try loss("dice", #"{"axis": -1}"#) == .dice(axis: [-1]))
  #expect(try loss("dice", #"{"axis": null}"#) == .dice(axis: nil))
  #expect(try loss("tversky", #"{"axis": [-1]}"#) == .tversky(axis: [-1]))
}

@Test func categoricalFocalAlphaAsNumberOrList() throws {
  #expect(try loss("categorical_focal_crossentropy", #"{"alpha": 0.5}"#) == .categoricalFocalCrossentropy(alpha: [0.5]))
  #expect(
    try loss("categorical_focal_crossentropy", #"{"alpha": [0.1, 0.2, 0.7]}"#)
      == .categoricalFocalCrossentropy(alpha: [0.1, 0.2, 0.7]))
}

@Test func outOfDomainValuesAreLeftToValidation() throws {
  // Keras rejects these when the loss is evaluated; parsing must keep them so error cases reach it.
  #expect(try loss("binary_crossentropy", #"{"label_smoothing": 2}"#) == .binaryCrossentropy(labelSmoothing: 2))
  #expect(throws: LossError.self) { try loss("categorical_generalized_cross_entropy", #"{"q": 1.5}"#).validate() }
}

@Test func unknownNameIsRejected() {
  #expect(throws: LossError.self) { try loss("mse") }
  do {
    _ = try loss("binary_cross_entropy")
    Issue.record("no error")
  } catch let error as LossError {
    #expect(error.argument == "loss")
  } catch {
    Issue.record("unexpected \(error)")
  }
}

@Test(arguments: [
  ("mean_squared_error", #"{"axis": -1}"#, "axis"),
  ("huber", #"{"delta": 1, "gama": 2}"#, "gama"),
  ("binary_crossentropy", #"{"from_logits": 1}"#, "from_logits"),
  ("binary_crossentropy", #"{"label_smoothing": "0.1"}"#, "label_smoothing"),
  ("binary_crossentropy", #"{"axis": 1.5}"#, "axis"),
  ("binary_crossentropy", #"{"axis": [1]}"#, "axis"),
  ("binary_focal_crossentropy", #"{"alpha": [0.25]}"#, "alpha"),
  ("categorical_focal_crossentropy", #"{"alpha": [0.1, true]}"#, "alpha"),
  ("sparse_categorical_crossentropy", #"{"ignore_class": 0.5}"#, "ignore_class"),
  ("dice", #"{"axis": [1, "2"]}"#, "axis"),
  ("circle", #"{"remove_diagonal": null}"#, "remove_diagonal"),
  ("ctc", #"{"blank": 0}"#, "blank"),
])
func badOptionsAreRejectedByName(name: String, json: String, option: String) throws {
  do {
    let parsed = try loss(name, json)
    Issue.record("accepted \(json) as \(parsed)")
  } catch let error as LossError {
    guard case .invalidOption = error else {
      Issue.record("unexpected \(error)")
      return
    }
    #expect(error.argument == option)
  }
}
