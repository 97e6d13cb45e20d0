import FoundationEssentials

/// An instance's status as `GET /v2/{project_id}/instances/{instance_id}` reports it, with the
/// values of `dcs_instance_status`.
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
        }
    }

    init(serviceName: String) {
        self = Self.allCases.first { $0.serviceName == serviceName && $0 != .other } ?? .other
    }

    /// Statuses an instance does not leave by itself: waiting for RUNNING is over, and failed.
    var isFinalFailure: Bool { self == .error || self == .frozen || self == .createFailed }
}

extension StatusClient {
    /// The status of one instance. `id` has passed `InstanceIDs.validate`.
    public func instanceStatus(_ id: String, deadlineMs: UInt32 = 0, cancel: CancelToken? = nil)
        -> Result<InstanceStatus, CallFailure> {
        queryStatus(id, control: CallControl(deadlineMs: deadlineMs, cancel: cancel)).mapError(redacted)
    }

    /// Polls each instance until it reports RUNNING twice in a row (success), ERROR, FROZEN or
    /// CREATEFAILED, or does not exist (failed), or `timeoutMs` passes (unknown). One request per
    /// instance at a time, round after round, with a growing pause between rounds. A refusal that
    /// no later poll can change (401, 403) ends the wait; anything else a poll meets (a timeout,
    /// a 5xx, a reset) is tried again next round.
    public func waitRunning(ids: [String], timeoutMs: UInt32, cancel: CancelToken? = nil) -> CallReport {
        let control = CallControl(deadlineMs: max(timeoutMs, 1), cancel: cancel)
        var outcomes = [InstanceOutcome?](repeating: nil, count: ids.count)
        var lastSeen = [String](repeating: "no answer yet", count: ids.count)
        var runningStreak = [Int](repeating: 0, count: ids.count)
        var pauseMs = Self.firstPauseMs
        var stoppedBy: RequestSender.Stop?

        rounds: while outcomes.contains(where: { $0 == nil }) {
            for index in ids.indices where outcomes[index] == nil {
                if control.isCancelled { stoppedBy = .cancel; break rounds }
                if let left = control.deadline.remainingMs(), left <= 0 { stoppedBy = .deadline; break rounds }
                switch queryStatus(ids[index], control: control) {
                case let .success(status):
                    lastSeen[index] = status.serviceName
                    runningStreak[index] = status == .running ? runningStreak[index] + 1 : 0
                    if runningStreak[index] >= Self.runningTimesInARow {
                        outcomes[index] = .success
                    } else if status.isFinalFailure {
                        outcomes[index] = .failed
                    }
                case let .failure(failure) where failure.httpStatus == 404:
                    lastSeen[index] = "no such instance (\(failure.code.isEmpty ? "HTTP 404" : failure.code))"
                    outcomes[index] = .failed
                case let .failure(failure) where [400, 401, 403].contains(failure.httpStatus):
                    sender.log(.error, "waiting stopped: \(failure.message)")
                    return waitReport(ids, outcomes.map { $0 ?? .unknown }, failure: redacted(failure))
                case let .failure(failure):
                    lastSeen[index] = failure.message
                    runningStreak[index] = 0
                }
                if let outcome = outcomes[index] {
                    sender.log(.info, "instance \(ids[index]) is \(lastSeen[index]): \(outcome == .success ? "running" : "failed")")
                }
            }
            guard outcomes.contains(where: { $0 == nil }) else { break }
            let left = control.deadline.remainingMs() ?? pauseMs
            if left <= 0 { stoppedBy = .deadline; break }
            if control.sleep(milliseconds: min(pauseMs, left)) { stoppedBy = .cancel; break }
            pauseMs = min(Self.maxPauseMs, pauseMs * 3 / 2)
        }

        let final = outcomes.map { $0 ?? .unknown }
        let waiting = ids.indices.filter { outcomes[$0] == nil }.map { "\(ids[$0]) (\(lastSeen[$0]))" }
        let failed = ids.indices.filter { outcomes[$0] == .failed }.map { "\(ids[$0]) (\(lastSeen[$0]))" }
        if let stoppedBy, !waiting.isEmpty {
            let cause = stoppedBy == .cancel ? "cancelled" : "not RUNNING after \(timeoutMs) ms"
            let status: CallStatus = stoppedBy == .cancel ? .cancelled : .timeout
            return waitReport(ids, final, failure: redacted(CallFailure(
                status: status, message: "\(waiting.count) of \(ids.count) instances \(cause): \(Self.list(waiting))")))
        }
        if !failed.isEmpty {
            return waitReport(ids, final, failure: redacted(CallFailure(
                status: .partial, message: "\(failed.count) of \(ids.count) instances will not run: \(Self.list(failed))")))
        }
        return waitReport(ids, final, failure: nil)
    }

    static let firstPauseMs = 250
    static let maxPauseMs = 2_000
    static let runningTimesInARow = 2

    private static func list(_ items: [String]) -> String {
        items.count <= 5 ? items.joined(separator: ", ") : items.prefix(5).joined(separator: ", ") + ", ..."
    }

    private func waitReport(_ ids: [String], _ outcomes: [InstanceOutcome], failure: CallFailure?) -> CallReport {
        CallReport(instanceIDs: ids, outcomes: outcomes, status: failure?.status ?? .ok, failure: failure)
    }

    private func queryStatus(_ id: String, control: CallControl) -> Result<InstanceStatus, CallFailure> {
        let path = "/v2/\(sender.configuration.projectID)/instances/\(PercentEncoding.encode(id))"
        let sent = sender.send(.get, path: path, control: control, what: "status of \(id)")
        guard let attempt = sent.attempt, sent.stoppedBy == nil else {
            let status: CallStatus = sent.stoppedBy == .cancel ? .cancelled : .timeout
            return .failure(CallFailure(status: status, message: status == .cancelled ? "cancelled" : "the deadline passed"))
        }
        switch attempt {
        case let .failed(failure):
            return .failure(CallFailure(status: failure.callStatus, message: failure.detail + CallFailure.retriesNote(sent.retries)))
        case let .answered(answer) where (200..<300).contains(answer.status):
            struct Instance: Decodable { let status: String }
            guard let instance = try? AnswerDecoder.decoder.decode(Instance.self, from: Data(answer.body)) else {
                return .failure(CallFailure(status: .protocolError, httpStatus: answer.status,
                                            message: "the answer (HTTP \(answer.status)) has no instance status",
                                            requestID: answer.requestID))
            }
            return .success(InstanceStatus(serviceName: instance.status))
        case let .answered(answer):
            return .failure(CallFailure.answered(answer, note: CallFailure.retriesNote(sent.retries)))
        }
    }
}
