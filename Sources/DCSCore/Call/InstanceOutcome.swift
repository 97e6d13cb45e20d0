/// What happened to one instance, with the values of `dcs_outcome` in `include/dcs.h`.
public enum InstanceOutcome: Int32, Sendable {
    case success = 0
    case failed = 1
    case notSent = 2
    case unknown = 3
}
