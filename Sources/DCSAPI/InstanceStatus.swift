/// An instance's status as `GET /v2/{project_id}/instances/{instance_id}` reports it, with the
/// values of `dcs_instance_status`. The emulator gives its instances these statuses.
public enum InstanceStatus: Int32, Sendable, CaseIterable {
    /// A status this version does not know.
    case other = 0
    case creating = 1
    case createFailed = 2
    case running = 3
    case error = 4
    case restarting = 5
    case frozen = 6
    case extending = 7
    case restoring = 8
    /// Its data being cleared (a flush under way).
    case flushing = 9

    public var serviceName: String {
        switch self {
        case .other: "OTHER"
        case .creating: "CREATING"
        case .createFailed: "CREATEFAILED"
        case .running: "RUNNING"
        case .error: "ERROR"
        case .restarting: "RESTARTING"
        case .frozen: "FROZEN"
        case .extending: "EXTENDING"
        case .restoring: "RESTORING"
        case .flushing: "FLUSHING"
        }
    }

    public init(serviceName: String) {
        self = Self.allCases.first { $0.serviceName == serviceName && $0 != .other } ?? .other
    }

    /// Statuses an instance does not leave by itself: waiting for RUNNING is over, and failed.
    public var isFinalFailure: Bool { self == .error || self == .frozen || self == .createFailed }
}
