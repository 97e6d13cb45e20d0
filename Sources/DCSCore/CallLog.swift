/// How much a log line matters, with the values of `dcs_log_level`.
public enum LogLevel: Int32, Sendable, Comparable {
    case debug = 0
    case info = 1
    case warn = 2
    case error = 3

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

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

/// The events a client logs (documented in include/dcs.h, dcs_config_set_log).
struct CallLog: Sendable {
    let sink: LogSink?
    let redactor: SecretRedactor

    func callAsFunction(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard let sink, level >= sink.minimum else { return }
        sink.write(level, redactor.redact(message()))
    }
}
