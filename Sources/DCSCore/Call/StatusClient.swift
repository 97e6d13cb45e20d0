import DCSAPI

/// Restarts, soft-restarts and flushes instances through `PUT /v2/{project_id}/instances/status`,
/// and waits for instances to run again. Thread-safe: calls from many threads run concurrently,
/// each on its own connection.
///
/// The flow of one call: checked ids -> chunks of at most 50 -> for each chunk a signed
/// request, sent and retried by `RequestSender` -> the chunk's verdict -> one report.
public final class StatusClient: Sendable {
    public static let version = "0.1.0"

    private let sender: RequestSender
    private let redactor: SecretRedactor
    private let statusPath: String
    private let query: StatusQuery
    private let waiter: InstanceWaiter
    private let lister: InstanceLister

    public convenience init(configuration: ClientConfiguration) {
        let proxy: CurlTransport.Proxy
        switch configuration.proxy {
        case _ where configuration.endpoint.isLoopback: proxy = .none  // never through a proxy
        case .environment: proxy = .environment
        case .direct: proxy = .none
        case let .url(url): proxy = .url(url)
        }
        self.init(configuration: configuration,
                  transport: CurlTransport(options: .init(caFile: configuration.caFile, insecure: configuration.insecure,
                                                          userAgent: "libdcs/\(Self.version)", proxy: proxy)))
    }

    /// A client that sends through `transport`: unit tests give a scripted one.
    init(configuration: ClientConfiguration, transport: any HTTPTransport, retryPolicy: RetryPolicy? = nil) {
        redactor = SecretRedactor(secrets: configuration.credentials.secrets + configuration.proxy.secrets)
        sender = RequestSender(configuration: configuration, log: CallLog(sink: configuration.log, redactor: redactor),
                               transport: transport, retryPolicy: retryPolicy)
        statusPath = "/v2/\(configuration.projectID)/instances/status"
        query = StatusQuery(sender: sender)
        waiter = InstanceWaiter(query: query, redactor: redactor)
        lister = InstanceLister(sender: sender)
    }

    /// Acts on `ids` (already checked by `InstanceIDs.validate`), one request per chunk, and
    /// reports one outcome per id in order. Stops at the first chunk that fails. A non-zero
    /// `deadlineMs` bounds the whole call, retries and their waits included; `cancel` ends it early.
    /// A non-zero `waitRunningMs` then waits for the instances the service acted on (see
    /// `waitRunning`), and their outcome becomes the wait's. `rollout` rolls the call over the
    /// ids in waves (`RollingCall`); `progress` is told how it goes.
    public func perform(_ action: InstanceAction, ids: [String], deadlineMs: UInt32 = 0,
                        cancel: CancelToken? = nil, waitRunningMs: UInt32 = 0, rollout: Rollout = Rollout(),
                        progress: ((Progress) -> Void)? = nil) -> CallReport {
        let control = CallControl(deadlineMs: deadlineMs, cancel: cancel)
        guard rollout.waveSize > 0 || progress != nil else {
            // The call of practice: one wave, nobody watching.
            let report = act(action, ids: ids, control: control)
            guard waitRunningMs > 0 else { return report }
            return waitForActed(report, waitRunningMs: waitRunningMs, control: control)
        }
        var rolling = RollingCall(ids: ids, rollout: rollout, observe: progress)
        let report = rolling.run(control: control, log: { sender.log($0, $1) }) { waveIDs, decided in
            let acted = act(action, ids: waveIDs, control: control)
            guard waitRunningMs > 0 else { return .init(report: acted, actionFailed: acted.status.isError) }
            // What the wait will not change is final now; the rest as the wait decides it.
            for index in acted.outcomes.indices where acted.outcomes[index] != .success { decided(index, acted.outcomes[index]) }
            return .init(report: waitForActed(acted, waitRunningMs: waitRunningMs, control: control, decided: decided),
                         actionFailed: acted.status.isError)
        }
        // RollingCall writes messages of its own (the gate's, a pause's end): they pass the
        // redactor as every message does.
        var redacted = report
        redacted.failure = report.failure.map(redactor.redact)
        return redacted
    }

    /// The project's instances that `filter` selects, every page read (see `InstanceLister`).
    public func listInstances(_ filter: ListFilter, deadlineMs: UInt32 = 0, cancel: CancelToken? = nil)
        -> Result<[ListedInstance], CallFailure> {
        lister.list(filter, control: CallControl(deadlineMs: deadlineMs, cancel: cancel)).mapError(redactor.redact)
    }

    /// The status of one instance. `id` has passed `InstanceIDs.validate`.
    public func instanceStatus(_ id: String, deadlineMs: UInt32 = 0, cancel: CancelToken? = nil)
        -> Result<InstanceStatus, CallFailure> {
        query.status(of: id, control: CallControl(deadlineMs: deadlineMs, cancel: cancel)).mapError(redactor.redact)
    }

    /// Waits until each instance of `ids` is RUNNING (see `InstanceWaiter`), for `timeoutMs`, or
    /// for `deadlineMs` when that is shorter (0: no deadline); `cancel` ends the wait early.
    public func waitRunning(ids: [String], timeoutMs: UInt32, deadlineMs: UInt32 = 0,
                            cancel: CancelToken? = nil) -> CallReport {
        let timeout = deadlineMs == 0 ? timeoutMs : min(timeoutMs, deadlineMs)
        return waiter.wait(ids: ids, timeoutMs: timeout, cancel: cancel)
    }

    /// The acted-on instances of `report`, waited for. The call's status: the action's if it
    /// failed; else the wait's if it failed; else partial if any instance did not end RUNNING.
    private func waitForActed(_ report: CallReport, waitRunningMs: UInt32, control: CallControl,
                              decided: (Int, InstanceOutcome) -> Void = { _, _ in }) -> CallReport {
        let acted = report.outcomes.indices.filter { report.outcomes[$0] == .success }
        guard !acted.isEmpty else { return report }
        let left = control.deadline.remainingMs().map { UInt32(clamping: max($0, 1)) } ?? waitRunningMs
        let waited = waiter.wait(ids: acted.map { report.instanceIDs[$0] }, timeoutMs: min(waitRunningMs, left),
                                 cancel: control.cancel) { position, outcome in decided(acted[position], outcome) }
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
            if !verdict.unasked.isEmpty {
                sender.log(.warn, "the answer to \(what) also lists \(verdict.unasked.count) ids not asked for, ignored: \(ChunkVerdict.list(verdict.unasked))")
            }
            report.outcomes.replaceSubrange(range, with: verdict.outcomes)
            if case let .answered(answer)? = sent.attempt, !answer.requestID.isEmpty {
                report.requestIDs.replaceSubrange(range, with: repeatElement(answer.requestID, count: range.count))
            }
            if verdict.status.isError {
                report.status = verdict.status
                report.failure = verdict.failure.map(redactor.redact)
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
            report.failure = redactor.redact(CallFailure(
                status: .partial, httpStatus: firstPartial.httpStatus,
                message: "\(failedCount) of \(ids.count) instances failed: read the results",
                requestID: firstPartial.requestID))
        }
        return report
    }
}
