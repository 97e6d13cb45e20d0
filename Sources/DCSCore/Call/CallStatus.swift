/// The status of a call, with the values of `dcs_status` in `include/dcs.h`.
public enum CallStatus: Int32, Sendable {
    case ok = 0
    case partial = 1
    case invalidArgument = -1
    case configuration = -2
    case transport = -3
    case timeout = -4
    case api = -5
    case protocolError = -6
    case outOfMemory = -7
    case cancelled = -8
    case stopped = -9

    public var isError: Bool { rawValue < 0 }
}
