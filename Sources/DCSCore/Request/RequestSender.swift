import DCSSigning

/// Sends one request until it has an answer that stands: signs each attempt afresh, bounds it
/// by the call's deadline and cancel token, sends it again when `RetryPolicy` says so, and logs
/// what it does. Shared by the instance-status operations and the status queries of the waiter.
final class RequestSender: Sendable {
    let configuration: ClientConfiguration
    let log: CallLog
    private let transport: any HTTPTransport
    private let retryPolicy: RetryPolicy
    private let signer: RequestSigner?
    private let clock = SigningClock()
    /// The headers of every request but the date and Authorization: signed (canonical form,
    /// prepared once) and as libcurl sends them.
    private let signedHeaders: RequestSigner.HeaderSet
    private let fixedHeaderLines: [String]

    /// How a request ended.
    struct Sent {
        /// The last attempt; nil when none was made (deadline passed or cancelled before).
        var attempt: AttemptResult?
        var retries: Int
        /// The call's cancel token or deadline stopped it, before an attempt or between two.
        var stoppedBy: CallStop?
    }

    init(configuration: ClientConfiguration, log: CallLog, transport: any HTTPTransport,
         retryPolicy: RetryPolicy? = nil) {
        self.configuration = configuration
        self.log = log
        self.transport = transport
        self.retryPolicy = retryPolicy ?? RetryPolicy(maxRetries: Int(configuration.maxRetries),
                                                      busyRetryMs: Int(configuration.busyRetryMs))
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("Host", configuration.endpoint.hostHeader),
            ("X-Project-Id", configuration.projectID),
        ]
        switch configuration.credentials {
        case let .accessKey(ak, sk, securityToken):
            signer = RequestSigner(accessKey: ak, secretKey: sk)
            if let securityToken { headers.append(("X-Security-Token", securityToken)) }
        case let .iamToken(token):
            signer = nil
            headers.append(("X-Auth-Token", token))
        }
        signedHeaders = RequestSigner.HeaderSet(headers)
        fixedHeaderLines = headers.map { "\($0.name): \($0.value)" }
    }

    /// `what` names the request in log lines ("restart of 50 ids, request 1 of 3"). `query`: the
    /// pairs of the query string, signed and sent as given (unencoded).
    func send(_ method: HTTPRequest.Method, path: String, query: [(String, String)] = [], body: [UInt8] = [],
              maxAnswerBytes: Int = CurlTransport.maxAnswerBytes, control: CallControl, what: String) -> Sent {
        var sent = Sent(attempt: nil, retries: 0, stoppedBy: nil)
        var history = RetryPolicy.History(signed: signer != nil)
        // The signatures of this request's attempts: an answer that quotes one is shown without it.
        var signatures: [String] = []
        while true {
            if control.isCancelled {
                sent.stoppedBy = .cancel
                return sent
            }
            let budgetMs = control.deadline.remainingMs()
            if let budgetMs, budgetMs <= 0 {
                sent.stoppedBy = .deadline
                return sent
            }
            var (request, signature) = signedRequest(method, path: path, query: query, body: body)
            request.maxAnswerBytes = maxAnswerBytes
            if let signature { signatures.append(signature) }
            request.timeoutMs = min(configuration.totalTimeoutMs, UInt32(clamping: budgetMs ?? Int.max))
            request.connectTimeoutMs = min(configuration.connectTimeoutMs, request.timeoutMs)

            log(.debug, "sending \(method.rawValue) \(path): \(what)")
            let started = ContinuousClock.now
            let attempt = AttemptResult(transport.send(request, cancel: control.cancel),
                                        redactor: log.redactor.including(signatures))
            sent.attempt = attempt
            logAttempt(attempt, what: what, milliseconds: (ContinuousClock.now - started).milliseconds)
            if case let .failed(failure) = attempt, !failure.mayHaveReached,
               let left = control.deadline.remainingMs(), left <= 0 {
                // The call's deadline cut the connection short (its connect timeout is the time
                // left): the call timed out, and nothing was sent.
                sent.stoppedBy = .deadline
                return sent
            }

            let serviceTime = attempt.serviceTime
            let wait: Int
            switch retryPolicy.verdict(for: attempt, history: history,
                                       clockSkewSeconds: serviceTime.map(clock.skewSeconds(toServiceTime:))) {
            case .final:
                return sent
            case .resignWithServiceClock:
                guard let serviceTime else { return sent }
                let offset = clock.adopt(serviceTime: serviceTime)
                history.clockCorrected = true
                log(.warn, "the service's clock is \(offset) s from ours: signing with its time and sending \(what) once more")
                continue
            case let .retry(afterMs):
                wait = afterMs
                sent.retries += 1
                history.retries = sent.retries
                log(.warn, "retry \(sent.retries) of \(retryPolicy.maxRetries) in \(afterMs) ms, \(Self.reason(attempt)): \(what)")
            case let .retryBusy(afterMs):
                wait = afterMs
                history.busyWaitedMs += afterMs
                log(.warn, "instance busy (\(Self.reason(attempt))): trying \(what) again in \(afterMs) ms")
            }
            if let left = control.deadline.remainingMs(), wait >= left {
                log(.warn, "no retry: the call's deadline comes first")
                return sent
            }
            if control.sleep(milliseconds: wait) {
                sent.stoppedBy = .cancel
                return sent
            }
        }
    }

    private func logAttempt(_ attempt: AttemptResult, what: String, milliseconds: Int) {
        switch attempt {
        case let .answered(answer):
            let id = answer.requestID.isEmpty ? "no request id" : "request id \(answer.requestID)"
            log(.info, "HTTP \(answer.status) in \(milliseconds) ms, \(id): \(what)")
        case let .failed(failure):
            log(.warn, "no answer after \(milliseconds) ms (\(failure.detail)): \(what)")
        }
    }

    private static func reason(_ attempt: AttemptResult) -> String {
        switch attempt {
        case let .answered(answer):
            return answer.errorCode.isEmpty ? "HTTP \(answer.status)" : "HTTP \(answer.status) \(answer.errorCode)"
        case let .failed(failure):
            return "the connection did not open"  + (failure.detail.isEmpty ? "" : " (\(failure.detail))")
        }
    }

    /// A request with its authentication headers, and its signature (nil for a token request);
    /// signed afresh for each attempt (a new date).
    private func signedRequest(_ method: HTTPRequest.Method, path: String, query: [(String, String)], body: [UInt8])
        -> (request: HTTPRequest, signature: String?) {
        var lines = fixedHeaderLines
        var signature: String?
        if let signer {
            let date = clock.sdkDate()
            let authorization = signer.authorization(method: method.rawValue, path: path, query: query,
                                                     headers: signedHeaders, date: date, body: body)
            lines.append("X-Sdk-Date: \(date)")
            lines.append("Authorization: " + authorization.value)
            signature = authorization.signature
        }
        // Encoded as the signature's canonical query encodes it, so the service reads what was signed.
        let queryString = query.isEmpty ? "" : "?" + query.map {
            PercentEncoding.encode($0.0) + "=" + PercentEncoding.encode($0.1)
        }.joined(separator: "&")
        let request = HTTPRequest(method: method, url: configuration.endpoint.baseURL + path + queryString,
                                  headers: lines, body: body,
                                  timeoutMs: configuration.totalTimeoutMs, connectTimeoutMs: configuration.connectTimeoutMs)
        return (request, signature)
    }
}
