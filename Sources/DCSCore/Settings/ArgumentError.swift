/// An argument of the wrong form: `DCS_EINVAL`. The message names the argument.
public struct ArgumentError: Error, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
