/// Waits for instances to serve again: polls each until it reports RUNNING twice in a row
/// (success), ERROR, FROZEN or CREATEFAILED, or does not exist (failed), or the time runs out
/// (unknown). Changes nothing.
struct InstanceWaiter: Sendable {
    let query: StatusQuery
    let redactor: SecretRedactor

    /// Waits up to `timeoutMs`. One request per instance at a time, round after round, with a
    /// growing pause between rounds. A refusal that no later poll can change (400, 401, 403)
    /// ends the wait; anything else a poll meets (a timeout, a 5xx, a reset) is tried again next
    /// round. `decided(index, outcome)` is told each id's outcome as soon as it is final, the
    /// ones still waited for when the wait ends included.
    func wait(ids: [String], timeoutMs: UInt32, cancel: CancelToken?,
              decided: (Int, InstanceOutcome) -> Void = { _, _ in }) -> CallReport {
        let control = CallControl(deadlineMs: max(timeoutMs, 1), cancel: cancel)
        var outcomes = [InstanceOutcome?](repeating: nil, count: ids.count)
        var lastSeen = [String](repeating: "no answer yet", count: ids.count)
        var runningStreak = [Int](repeating: 0, count: ids.count)
        var pauseMs = Self.firstPauseMs
        var stoppedBy: CallStop?

        rounds: while outcomes.contains(where: { $0 == nil }) {
            for index in ids.indices where outcomes[index] == nil {
                if control.isCancelled { stoppedBy = .cancel; break rounds }
                if let left = control.deadline.remainingMs(), left <= 0 { stoppedBy = .deadline; break rounds }
                switch query.status(of: ids[index], control: control) {
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
                    query.sender.log(.error, "waiting stopped: \(failure.message)")
                    for index in ids.indices where outcomes[index] == nil { decided(index, .unknown) }
                    return waitReport(ids, outcomes.map { $0 ?? .unknown }, failure: redactor.redact(failure))
                case let .failure(failure):
                    lastSeen[index] = failure.message
                    runningStreak[index] = 0
                }
                if let outcome = outcomes[index] {
                    decided(index, outcome)
                    query.sender.log(.info, "instance \(ids[index]) is \(lastSeen[index]): \(outcome == .success ? "running" : "failed")")
                }
            }
            guard outcomes.contains(where: { $0 == nil }) else { break }
            let left = control.deadline.remainingMs() ?? pauseMs
            if left <= 0 { stoppedBy = .deadline; break }
            if control.sleep(milliseconds: min(pauseMs, left)) { stoppedBy = .cancel; break }
            pauseMs = min(Self.maxPauseMs, pauseMs * 3 / 2)
        }

        for index in ids.indices where outcomes[index] == nil { decided(index, .unknown) }
        let final = outcomes.map { $0 ?? .unknown }
        let waiting = ids.indices.filter { outcomes[$0] == nil }.map { "\(ids[$0]) (\(lastSeen[$0]))" }
        let failed = ids.indices.filter { outcomes[$0] == .failed }.map { "\(ids[$0]) (\(lastSeen[$0]))" }
        if let stoppedBy, !waiting.isEmpty {
            let cause = stoppedBy == .cancel ? "cancelled" : "not RUNNING after \(timeoutMs) ms"
            return waitReport(ids, final, failure: redactor.redact(CallFailure(
                status: stoppedBy.status, message: "\(waiting.count) of \(ids.count) instances \(cause): \(Self.list(waiting))")))
        }
        if !failed.isEmpty {
            return waitReport(ids, final, failure: redactor.redact(CallFailure(
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
}
