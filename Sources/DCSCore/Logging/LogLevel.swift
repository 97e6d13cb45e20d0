/// How much a log line matters, with the values of `dcs_log_level`.
public enum LogLevel: Int32, Sendable, Comparable {
    case debug = 0
    case info = 1
    case warn = 2
    case error = 3

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}
