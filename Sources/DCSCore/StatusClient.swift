#if canImport(Glibc)
import Glibc
#endif

/// Restarts, soft-restarts and flushes instances through `PUT /v2/{project_id}/instances/status`.
/// Thread-safe: calls from many threads run concurrently, each on its own connection.
///
/// The flow of one call: checked ids -> chunks of at most 50 -> for each chunk a signed
/// request, sent and retried as `RetryPolicy` allows -> the chunk's verdict -> one report.
public final class StatusClient: Sendable {
    public static let version = "0.1.0"

    private let configuration: ClientConfiguration
    private let transport: CurlTransport
    private let retryPolicy: RetryPolicy
    private let redactor: SecretRedactor
    private let signer: RequestSigner?
    private let clock = SigningClock()
    private let statusPath: String

    public init(configuration: ClientConfiguration) {
        self.configuration = configuration
        transport = CurlTransport(options: .init(
            caFile: configuration.caFile, insecure: configuration.insecure,
            userAgent: "libdcs/\(Self.version)"))
        retryPolicy = RetryPolicy(maxRetries: Int(configuration.maxRetries))
        redactor = SecretRedactor(secrets: configuration.credentials.secrets)
        if case let .accessKey(ak, sk, _) = configuration.credentials {
            signer = RequestSigner(accessKey: ak, secretKey: sk)
        } else {
            signer = nil
        }
        statusPath = "/v2/\(configuration.projectID)/instances/status"
    }

    /// Acts on `ids` (already checked by `InstanceIDs.validate`), one request per chunk, and
    /// reports one outcome per id in order. Stops at the first chunk that fails.
    /// A non-zero `deadlineMs` bounds the whole call, retries and their waits included.
    public func perform(_ action: InstanceAction, ids: [String], deadlineMs: UInt32 = 0) -> CallReport {
        let deadline = CallDeadline(milliseconds: deadlineMs)
        var report = CallReport(instanceIDs: ids, outcomes: Array(repeating: .notSent, count: ids.count),
                                status: .ok, failure: nil)
        var firstPartial: CallFailure?
        for range in ChunkPlan.ranges(count: ids.count) {
            let verdict = sendChunk(ids[range], action: action, deadline: deadline)
            report.outcomes.replaceSubrange(range, with: verdict.outcomes)
            if verdict.status.isError {
                report.status = verdict.status
                report.failure = verdict.failure.map(redacted)
                return report
            }
            if verdict.status == .partial && firstPartial == nil {
                firstPartial = verdict.failure
            }
        }
        let failedCount = report.outcomes.lazy.filter { $0 != .success }.count
        if failedCount > 0, let firstPartial {
            report.status = .partial
            report.failure = redacted(CallFailure(
                status: .partial, httpStatus: firstPartial.httpStatus,
                message: "\(failedCount) of \(ids.count) instances failed: read the results",
                requestID: firstPartial.requestID))
        }
        return report
    }

    private func redacted(_ failure: CallFailure) -> CallFailure {
        var failure = failure
        failure.message = redactor.redact(failure.message)
        failure.code = redactor.redact(failure.code)
        failure.requestID = redactor.redact(failure.requestID)
        return failure
    }

    private func sendChunk(_ ids: ArraySlice<String>, action: InstanceAction, deadline: CallDeadline) -> ChunkVerdict {
        let body = StatusRequestBody.encode(ids: ids, action: action)
        var retries = 0
        var lastAttempt: AttemptResult?
        while true {
            let budgetMs = deadline.remainingMs()
            if let budgetMs, budgetMs <= 0 {
                // A retry that cannot be made leaves the outcome the last attempt implies.
                if let lastAttempt { return ChunkVerdict(ids: ids, attempt: lastAttempt, retries: retries - 1) }
                return ChunkVerdict(deadlinePassedFor: ids, deadline: deadline)
            }
            var request = signedRequest(.put, path: statusPath, body: body)
            request.timeoutMs = min(configuration.totalTimeoutMs, UInt32(clamping: budgetMs ?? Int.max))
            request.connectTimeoutMs = min(configuration.connectTimeoutMs, request.timeoutMs)
            let attempt = transport.send(request)
            lastAttempt = attempt
            switch retryPolicy.verdict(for: attempt, retries: retries) {
            case let .retry(afterMs):
                if let left = deadline.remainingMs(), afterMs >= left {
                    return ChunkVerdict(ids: ids, attempt: attempt, retries: retries)
                }
                usleep(UInt32(clamping: afterMs * 1000))
                retries += 1
            case .final:
                return ChunkVerdict(ids: ids, attempt: attempt, retries: retries)
            }
        }
    }

    /// A request with its authentication headers; signed afresh for each attempt (a new date).
    private func signedRequest(_ method: HTTPRequest.Method, path: String, body: [UInt8]) -> HTTPRequest {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("Host", configuration.endpoint.hostHeader),
            ("X-Project-Id", configuration.projectID),
        ]
        var lines: [String]
        switch configuration.credentials {
        case let .accessKey(_, _, securityToken):
            headers.append(("X-Sdk-Date", clock.sdkDate()))
            if let securityToken { headers.append(("X-Security-Token", securityToken)) }
            let authorization = signer?.authorization(method: method.rawValue, path: path, headers: headers, body: body) ?? ""
            lines = headers.map { "\($0.name): \($0.value)" }
            lines.append("Authorization: \(authorization)")
        case let .iamToken(token):
            lines = headers.map { "\($0.name): \($0.value)" }
            lines.append("X-Auth-Token: \(token)")
        }
        return HTTPRequest(method: method, url: configuration.endpoint.baseURL + path, headers: lines, body: body,
                           timeoutMs: configuration.totalTimeoutMs, connectTimeoutMs: configuration.connectTimeoutMs)
    }
}

/// What one chunk's final attempt means for its ids and for the call: the one place where an
/// answer or a failure becomes outcomes and a status.
struct ChunkVerdict {
    var outcomes: [InstanceOutcome]
    var status: CallStatus
    var failure: CallFailure?

    /// The call's deadline came before this request could be sent (or sent again).
    init(deadlinePassedFor ids: ArraySlice<String>, deadline: CallDeadline) {
        outcomes = Array(repeating: .notSent, count: ids.count)
        status = .timeout
        failure = CallFailure(status: .timeout,
                              message: "the call's deadline of \(deadline.milliseconds) ms passed before this request was sent; the request was not sent")
    }

    init(ids: ArraySlice<String>, attempt: AttemptResult, retries: Int) {
        let afterRetries = retries > 0 ? " (after \(retries) \(retries == 1 ? "retry" : "retries"))" : ""
        switch attempt {
        case let .failed(transportFailure):
            outcomes = Array(repeating: transportFailure.mayHaveReached ? .unknown : .notSent, count: ids.count)
            status = switch transportFailure.kind {
            case .timeout: .timeout
            case .answerTooLarge, .malformedAnswer: .protocolError
            case .outOfMemory: .outOfMemory
            case .neverConnected, .tls, .connectionLost, .other: .transport
            }
            let consequence = transportFailure.mayHaveReached
                ? "the request was sent and may have been applied"
                : "the request was not sent"
            failure = CallFailure(status: status, message: "\(transportFailure.detail)\(afterRetries); \(consequence)")

        case let .answered(answer) where (200..<300).contains(answer.status):
            do {
                let decoded = try AnswerDecoder.outcomes(for: ids, body: answer.body)
                outcomes = decoded.outcomes
                if !decoded.complete {
                    status = .protocolError
                    failure = CallFailure(status: status, httpStatus: answer.status,
                                          message: "the answer (HTTP \(answer.status)) gives no result for some instances: their outcome is unknown",
                                          requestID: answer.requestID)
                } else if outcomes.contains(.failed) {
                    status = .partial
                    failure = CallFailure(status: status, httpStatus: answer.status,
                                          message: "some instances failed", requestID: answer.requestID)
                } else {
                    status = .ok
                    failure = nil
                }
            } catch {
                outcomes = Array(repeating: .unknown, count: ids.count)
                status = .protocolError
                failure = CallFailure(status: status, httpStatus: answer.status,
                                      message: "the answer (HTTP \(answer.status), \(answer.body.count) bytes) is not the expected JSON results: the request may have been applied",
                                      requestID: answer.requestID)
            }

        case let .answered(answer):
            let details = AnswerDecoder.errorDetails(body: answer.body, contentType: answer.contentType)
            let refused = (400..<500).contains(answer.status)
            outcomes = Array(repeating: refused ? .failed : .unknown, count: ids.count)
            status = (400..<600).contains(answer.status) ? .api : .protocolError
            let code = details.code.isEmpty ? "" : " \(details.code)"
            let consequence = refused ? "" : "; the request may have been applied"
            failure = CallFailure(status: status, httpStatus: answer.status, code: details.code,
                                  message: "the service answered HTTP \(answer.status)\(code): \(details.message)\(afterRetries)\(consequence)",
                                  requestID: answer.requestID.isEmpty ? details.requestID : answer.requestID)
        }
    }
}

/// The end of a whole call, when the caller gave one.
struct CallDeadline: Sendable {
    let milliseconds: UInt32
    private let end: ContinuousClock.Instant?

    init(milliseconds: UInt32) {
        self.milliseconds = milliseconds
        end = milliseconds == 0 ? nil : .now + .milliseconds(Int(milliseconds))
    }

    /// Milliseconds left, nil without a deadline.
    func remainingMs() -> Int? {
        guard let end else { return nil }
        let left = ContinuousClock.now.duration(to: end).components
        return Int(left.seconds) * 1000 + Int(left.attoseconds / 1_000_000_000_000_000)
    }
}
