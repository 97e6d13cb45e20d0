/// Settings missing or not fitting together: `DCS_ECONFIG`. The message names the setting.
public struct ConfigurationError: Error, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
