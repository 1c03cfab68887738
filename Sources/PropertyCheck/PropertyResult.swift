/// What a property closure returns: `Bool` (false fails) or `String?` (a message fails).
///
/// A property may also throw; a thrown error fails it with the error as the message.
public protocol PropertyResult {
  /// Nil when the property holds, else why it failed.
  var propertyFailureMessage: String? { get }
}

extension Bool: PropertyResult {
  /// Nil for `true`; "returned false" for `false`.
  public var propertyFailureMessage: String? {
    self ? nil : "returned false"
  }
}

extension Optional: PropertyResult where Wrapped == String {
  /// The message itself: nil holds, a string fails.
  public var propertyFailureMessage: String? {
    self
  }
}
