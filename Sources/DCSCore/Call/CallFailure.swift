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

extension CallFailure {
    /// The same failure, its message starting with `prefix` ("wave 2 of 3: ").
    func prefixed(_ prefix: String) -> CallFailure {
        var copy = self
        copy.message = prefix + message
        return copy
    }

    /// A non-2xx answer: DCS_EAPI (or DCS_EPROTOCOL for a status the API never gives), with the
    /// service's code, message and request id; `note` is appended to the message.
    static func answered(_ answer: ServiceAnswer, note: String = "") -> CallFailure {
        let details = answer.error ?? ErrorDetails(code: "", message: "", requestID: "")
        let code = details.code.isEmpty ? "" : " \(details.code)"
        return CallFailure(status: (400..<600).contains(answer.status) ? .api : .protocolError,
                           httpStatus: answer.status, code: details.code,
                           message: "the service answered HTTP \(answer.status)\(code): \(details.message)\(note)",
                           requestID: answer.requestID.isEmpty ? details.requestID : answer.requestID)
    }

    static func retriesNote(_ retries: Int) -> String {
        retries > 0 ? " (after \(retries) \(retries == 1 ? "retry" : "retries"))" : ""
    }
}
