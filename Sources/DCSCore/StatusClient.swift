/// Restarts, soft-restarts and flushes instances through `PUT /v2/{project_id}/instances/status`,
/// and waits for instances to run again. Thread-safe: calls from many threads run concurrently,
/// each on its own connection.
///
/// The flow of one call: checked ids -> chunks of at most 50 -> for each chunk a signed
/// request, sent and retried by `RequestSender` -> the chunk's verdict -> one report.
public final class StatusClient: Sendable {
    public static let version = "0.1.0"

    let sender: RequestSender
    private let redactor: SecretRedactor
    private let statusPath: String

    public init(configuration: ClientConfiguration) {
        redactor = SecretRedactor(secrets: configuration.credentials.secrets)
        sender = RequestSender(configuration: configuration, log: CallLog(sink: configuration.log, redactor: redactor),
                               userAgent: "libdcs/\(Self.version)")
        statusPath = "/v2/\(configuration.projectID)/instances/status"
    }

    /// Acts on `ids` (already checked by `InstanceIDs.validate`), one request per chunk, and
    /// reports one outcome per id in order. Stops at the first chunk that fails. A non-zero
    /// `deadlineMs` bounds the whole call, retries and their waits included; `cancel` ends it early.
    /// A non-zero `waitRunningMs` then waits for the instances the service acted on (see
    /// `waitRunning`), and their outcome becomes the wait's.
    public func perform(_ action: InstanceAction, ids: [String], deadlineMs: UInt32 = 0,
                        cancel: CancelToken? = nil, waitRunningMs: UInt32 = 0) -> CallReport {
        let control = CallControl(deadlineMs: deadlineMs, cancel: cancel)
        let report = act(action, ids: ids, control: control)
        guard waitRunningMs > 0 else { return report }
        return waitForActed(report, waitRunningMs: waitRunningMs, control: control)
    }

    /// The acted-on instances of `report`, waited for. The call's status: the action's if it
    /// failed; else the wait's if it failed; else partial if any instance did not end RUNNING.
    private func waitForActed(_ report: CallReport, waitRunningMs: UInt32, control: CallControl) -> CallReport {
        let acted = report.outcomes.indices.filter { report.outcomes[$0] == .success }
        guard !acted.isEmpty else { return report }
        let left = control.deadline.remainingMs().map { UInt32(clamping: max($0, 1)) } ?? waitRunningMs
        let waited = waitRunning(ids: acted.map { report.instanceIDs[$0] }, timeoutMs: min(waitRunningMs, left),
                                 cancel: control.cancel)
        var combined = report
        for (position, index) in acted.enumerated() {
            combined.outcomes[index] = waited.outcomes[position]
        }
        if report.status.isError {
            return combined
        }
        if waited.status.isError {
            combined.status = waited.status
            combined.failure = waited.failure
        } else if combined.outcomes.contains(where: { $0 != .success }) {
            combined.status = .partial
            combined.failure = report.status == .partial ? report.failure : waited.failure
        }
        return combined
    }

    private func act(_ action: InstanceAction, ids: [String], control: CallControl) -> CallReport {
        var report = CallReport(instanceIDs: ids, outcomes: Array(repeating: .notSent, count: ids.count),
                                status: .ok, failure: nil)
        var firstPartial: CallFailure?
        let chunks = ChunkPlan.ranges(count: ids.count)
        for (index, range) in chunks.enumerated() {
            let what = "\(action.rawValue) of \(range.count) ids, request \(index + 1) of \(chunks.count)"
            let sent = sender.send(.put, path: statusPath, body: StatusRequestBody.encode(ids: ids[range], action: action),
                                   control: control, what: what)
            let verdict = ChunkVerdict(ids: ids[range], sent: sent, deadline: control.deadline)
            report.outcomes.replaceSubrange(range, with: verdict.outcomes)
            if case let .answered(answer)? = sent.attempt, !answer.requestID.isEmpty {
                let requestID = redactor.redact(answer.requestID)
                report.requestIDs.replaceSubrange(range, with: repeatElement(requestID, count: range.count))
            }
            if verdict.status.isError {
                report.status = verdict.status
                report.failure = verdict.failure.map(redacted)
                sender.log(.error, "\(what) failed, the rest of the call is not sent: \(report.failure?.message ?? "")")
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

    func redacted(_ failure: CallFailure) -> CallFailure {
        var failure = failure
        failure.message = redactor.redact(failure.message)
        failure.code = redactor.redact(failure.code)
        failure.requestID = redactor.redact(failure.requestID)
        return failure
    }
}

/// What one chunk's final attempt means for its ids and for the call: the one place where an
/// answer or a failure becomes outcomes and a status.
struct ChunkVerdict {
    var outcomes: [InstanceOutcome]
    var status: CallStatus
    var failure: CallFailure?

    /// How a request sent by `RequestSender` ended, for its ids. A stop by the deadline or the
    /// cancel token before any attempt leaves them not sent; after one, they keep what the last
    /// attempt implies, under the stop's status.
    init(ids: ArraySlice<String>, sent: RequestSender.Sent, deadline: CallDeadline) {
        guard let stop = sent.stoppedBy else {
            // Without a stop there was an attempt: the sender only returns early for a stop.
            self.init(ids: ids, attempt: sent.attempt ?? .failed(.init(kind: .other, mayHaveReached: false, detail: "no attempt")),
                      retries: sent.retries)
            return
        }
        let (status, cause): (CallStatus, String) = stop == .cancel
            ? (.cancelled, "cancelled")
            : (.timeout, "the call's deadline of \(deadline.milliseconds) ms passed")
        guard let attempt = sent.attempt else {
            self.init(outcomes: Array(repeating: .notSent, count: ids.count), status: status,
                      failure: CallFailure(status: status, message: "\(cause) before this request was sent; the request was not sent"))
            return
        }
        let last = ChunkVerdict(ids: ids, attempt: attempt, retries: sent.retries)
        self.init(outcomes: last.outcomes, status: status,
                  failure: CallFailure(status: status, httpStatus: last.failure?.httpStatus ?? 0,
                                       code: last.failure?.code ?? "",
                                       message: "\(cause) before a retry; the last attempt: \(last.failure?.message ?? "succeeded")",
                                       requestID: last.failure?.requestID ?? ""))
    }

    init(outcomes: [InstanceOutcome], status: CallStatus, failure: CallFailure?) {
        self.outcomes = outcomes
        self.status = status
        self.failure = failure
    }

    init(ids: ArraySlice<String>, attempt: AttemptResult, retries: Int) {
        let afterRetries = CallFailure.retriesNote(retries)
        switch attempt {
        case let .failed(transportFailure):
            outcomes = Array(repeating: transportFailure.mayHaveReached ? .unknown : .notSent, count: ids.count)
            status = transportFailure.callStatus
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
            let refused = (400..<500).contains(answer.status)
            outcomes = Array(repeating: refused ? .failed : .unknown, count: ids.count)
            let consequence = refused ? "" : "; the request may have been applied"
            let failure = CallFailure.answered(answer, note: afterRetries + consequence)
            status = failure.status
            self.failure = failure
        }
    }
}

extension TransportFailure {
    var callStatus: CallStatus {
        switch kind {
        case .timeout: .timeout
        case .cancelled: .cancelled
        case .answerTooLarge, .malformedAnswer: .protocolError
        case .outOfMemory: .outOfMemory
        case .neverConnected, .tls, .connectionLost, .other: .transport
        }
    }
}

extension CallFailure {
    /// A non-2xx answer: DCS_EAPI (or DCS_EPROTOCOL for a status the API never gives), with the
    /// service's code, message and request id; `note` is appended to the message.
    static func answered(_ answer: HTTPAnswer, note: String = "") -> CallFailure {
        let details = AnswerDecoder.errorDetails(body: answer.body, contentType: answer.contentType)
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
