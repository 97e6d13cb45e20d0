/// What happened to one instance, with the values of `dcs_outcome` in `include/dcs.h`.
public enum InstanceOutcome: Int32, Sendable {
    case success = 0
    case failed = 1
    case notSent = 2
    case unknown = 3

    /// As `dcs_outcome_name` gives it, and messages show it.
    public var name: String {
        switch self {
        case .success: "success"
        case .failed: "failed"
        case .notSent: "not_sent"
        case .unknown: "unknown"
        }
    }
}
