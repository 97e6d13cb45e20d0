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

    public var isError: Bool { rawValue < 0 }
}

/// What happened to one instance, with the values of `dcs_outcome` in `include/dcs.h`.
public enum InstanceOutcome: Int32, Sendable {
    case success = 0
    case failed = 1
    case notSent = 2
    case unknown = 3
}

/// Everything known about why a call did not fully succeed.
public struct CallFailure: Error, Sendable, Equatable {
    public var status: CallStatus
    /// 0 when there was no HTTP answer.
    public var httpStatus: Int
    /// The service's `error_code`, "" when none.
    public var code: String
    /// Never empty, never a secret.
    public var message: String
    /// The answer's `X-Request-Id`, "" when none.
    public var requestID: String

    public init(status: CallStatus, httpStatus: Int = 0, code: String = "", message: String,
                requestID: String = "") {
        self.status = status
        self.httpStatus = httpStatus
        self.code = code
        self.message = message.isEmpty ? "unspecified failure" : message
        self.requestID = requestID
    }

    public static func invalidArgument(_ message: String) -> CallFailure {
        CallFailure(status: .invalidArgument, message: message)
    }

    public static func configuration(_ message: String) -> CallFailure {
        CallFailure(status: .configuration, message: message)
    }
}

/// The outcome of one call: one outcome per input id, in input order, and the failure if any.
public struct CallReport: Sendable {
    public var instanceIDs: [String]
    public var outcomes: [InstanceOutcome]
    /// Per id, the X-Request-Id of the answer to the request that carried its action; "" when no
    /// answer came for it, and in a wait, which sends no action.
    public var requestIDs: [String]
    public var status: CallStatus
    /// Set for every status but `.ok`.
    public var failure: CallFailure?

    public init(instanceIDs: [String], outcomes: [InstanceOutcome], requestIDs: [String]? = nil,
                status: CallStatus, failure: CallFailure?) {
        self.instanceIDs = instanceIDs
        self.outcomes = outcomes
        self.requestIDs = requestIDs ?? Array(repeating: "", count: instanceIDs.count)
        self.status = status
        self.failure = failure
    }
}
