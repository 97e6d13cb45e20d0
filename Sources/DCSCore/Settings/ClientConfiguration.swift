/// The complete, checked settings of one client. Immutable: a client never changes them.
public struct ClientConfiguration: Sendable {
    public let endpoint: Endpoint
    public let projectID: String
    public let credentials: Credentials
    public let connectTimeoutMs: UInt32
    public let totalTimeoutMs: UInt32
    public let maxRetries: UInt32
    public let caFile: String?
    public let insecure: Bool
    public let busyRetryMs: UInt32
    public let log: LogSink?
    public let proxy: ProxySetting
}
