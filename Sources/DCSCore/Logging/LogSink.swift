/// Where a client's log lines go: the caller's sink, from `minimum` up. Every line passes the
/// client's redactor on its way, so no secret leaves in a log line either.
public struct LogSink: Sendable {
    public let minimum: LogLevel
    public let write: @Sendable (LogLevel, String) -> Void

    public init(minimum: LogLevel, write: @escaping @Sendable (LogLevel, String) -> Void) {
        self.minimum = minimum
        self.write = write
    }
}
