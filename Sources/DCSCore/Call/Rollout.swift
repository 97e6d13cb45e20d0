/// How a call rolls over its ids: in waves of `waveSize` (0: one wave of every id), `pauseMs`
/// apart, stopping after a wave with failures unless `keepGoing`.
public struct Rollout: Sendable {
    public var waveSize: Int
    public var pauseMs: UInt32
    public var keepGoing: Bool

    public init(waveSize: Int = 0, pauseMs: UInt32 = 0, keepGoing: Bool = false) {
        self.waveSize = waveSize
        self.pauseMs = pauseMs
        self.keepGoing = keepGoing
    }

    /// The waves of `count` ids, in input order.
    func waves(count: Int) -> [Range<Int>] {
        let size = waveSize > 0 ? waveSize : max(count, 1)
        return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }
}

/// The values of `dcs_progress_event` in `include/dcs.h`.
public enum ProgressEvent: Int32, Sendable {
    case waveStart = 0
    case instanceDone = 1
    case waveDone = 2
    case finished = 3
}

/// The state of a call as its progress observer sees it: `total == done + inProgress +
/// notStarted` at every event, `done` counting the ids whose outcome is final.
public struct Progress: Sendable {
    public var event = ProgressEvent.waveStart
    public var wave = 0
    public let waves: Int
    public let total: Int
    public var succeeded = 0
    public var failed = 0
    public var unknown = 0
    public var notSent = 0
    public var inProgress = 0
    public var notStarted: Int
    /// For `.instanceDone`: the id concerned, its position among the call's ids, its outcome.
    public var instance: (index: Int, id: String, outcome: InstanceOutcome)?

    public var done: Int { succeeded + failed + unknown + notSent }

    init(waves: Int, total: Int) {
        self.waves = waves
        self.total = total
        notStarted = total
    }

    mutating func count(_ outcome: InstanceOutcome) {
        switch outcome {
        case .success: succeeded += 1
        case .failed: failed += 1
        case .notSent: notSent += 1
        case .unknown: unknown += 1
        }
    }
}

/// A call rolled over its ids wave by wave (`Rollout`), with its health gate, its pauses and its
/// progress reports. The one place that decides when a rolling call goes on and what it ends with.
struct RollingCall {
    /// What one wave did: its report, and whether its action itself failed (rather than its wait).
    struct WaveResult {
        var report: CallReport
        var actionFailed: Bool
    }

    private let ids: [String]
    private let rollout: Rollout
    private let observe: ((Progress) -> Void)?
    private var progress: Progress
    private var decided: [Bool]
    private let waves: [Range<Int>]

    init(ids: [String], rollout: Rollout, observe: ((Progress) -> Void)?) {
        self.ids = ids
        self.rollout = rollout
        self.observe = observe
        waves = rollout.waves(count: ids.count)
        progress = Progress(waves: waves.count, total: ids.count)
        decided = Array(repeating: false, count: ids.count)
    }

    /// Runs the waves: `runWave(ids, decided)` acts on (and waits for) one wave's ids, telling
    /// `decided(position in the wave, outcome)` each outcome as soon as it is final.
    mutating func run(control: CallControl, log: (LogLevel, String) -> Void,
                      runWave: ([String], (Int, InstanceOutcome) -> Void) -> WaveResult) -> CallReport {
        var report = CallReport(instanceIDs: ids, outcomes: Array(repeating: .notSent, count: ids.count),
                                status: .ok, failure: nil)
        var last: WaveResult?
        for (number, range) in waves.enumerated() {
            // A cancel or the deadline since the last wave (a progress callback may have
            // cancelled): the next wave does not start.
            if number > 0 && control.isCancelled {
                return endBefore(wave: number, report, status: .cancelled, cause: "cancelled")
            }
            if number > 0 && control.deadline.hasPassed {
                return endBefore(wave: number, report, status: .timeout,
                                 cause: "the call's deadline of \(control.deadline.milliseconds) ms passed")
            }
            progress.wave = number + 1
            progress.notStarted -= range.count
            progress.inProgress = range.count
            emit(.waveStart)
            let result = runWave(Array(ids[range])) { position, outcome in record(range.lowerBound + position, outcome) }
            for index in range where !decided[index] { record(index, result.report.outcomes[index - range.lowerBound]) }
            report.outcomes.replaceSubrange(range, with: result.report.outcomes)
            report.requestIDs.replaceSubrange(range, with: result.report.requestIDs)
            last = result

            let label = waves.count > 1 ? "wave \(number + 1) of \(waves.count): " : ""
            let status = result.report.status
            // A wait that ran out of its own time judges the wave like a failure; the call's
            // deadline, its cancel token, or a failed action end the call.
            let waitTimedOut = status == .timeout && !result.actionFailed && !control.deadline.hasPassed
            if status.isError && !waitTimedOut {
                return end(report, at: range, status: status,
                           failure: result.report.failure.map { $0.prefixed(label) })
            }
            let troubled = range.filter { report.outcomes[$0] != .success }
            let isLast = number == waves.count - 1
            if !troubled.isEmpty && !rollout.keepGoing && !isLast {
                let message = "stopped after wave \(number + 1) of \(waves.count): \(troubled.count) of \(range.count) instances did not end RUNNING: "
                    + Self.list(troubled.map { "\(ids[$0]) (\(report.outcomes[$0].name))" })
                    + "; " + notSent(from: number + 1)
                log(.error, message)
                return end(report, at: range, status: .stopped,
                           failure: CallFailure(status: .stopped, message: message))
            }
            emit(.waveDone)
            if !isLast && rollout.pauseMs > 0 {
                let pause = Int(rollout.pauseMs)
                if let left = control.deadline.remainingMs(), left <= pause {
                    return endBefore(wave: number + 1, report, status: .timeout,
                                     cause: "the call's deadline of \(control.deadline.milliseconds) ms comes")
                }
                if control.sleep(milliseconds: pause) {
                    return endBefore(wave: number + 1, report, status: .cancelled, cause: "cancelled")
                }
            }
        }
        let troubled = report.outcomes.indices.filter { report.outcomes[$0] != .success }
        if waves.count == 1 || !rollout.keepGoing || troubled.isEmpty, let last {
            // As one call would end; without keep-going only the last wave can have failures.
            report.status = last.report.status
            report.failure = last.report.failure.map { $0.prefixed(waves.count > 1 ? "wave \(waves.count) of \(waves.count): " : "") }
        } else {
            report.status = .partial
            report.failure = CallFailure(status: .partial, message: "\(troubled.count) of \(ids.count) instances did not end RUNNING: "
                                         + Self.list(troubled.map { "\(ids[$0]) (\(report.outcomes[$0].name))" }))
        }
        finish()
        return report
    }

    /// The call ends before wave `number` (from 0) starts, for `cause`.
    private mutating func endBefore(wave number: Int, _ report: CallReport, status: CallStatus, cause: String) -> CallReport {
        end(report, at: nil, status: status, failure: CallFailure(
            status: status, message: "\(cause) before wave \(number + 1) of \(waves.count): \(notSent(from: number))"))
    }

    /// The call ends early: what is not decided yet was not sent.
    private mutating func end(_ report: CallReport, at wave: Range<Int>?, status: CallStatus, failure: CallFailure?) -> CallReport {
        var ended = report
        ended.status = status
        ended.failure = failure
        progress.notSent += progress.notStarted
        progress.notStarted = 0
        if wave != nil { emit(.waveDone) }
        finish()
        return ended
    }

    private mutating func record(_ index: Int, _ outcome: InstanceOutcome) {
        guard !decided[index] else { return }
        decided[index] = true
        progress.count(outcome)
        progress.inProgress -= 1
        guard observe != nil else { return }
        progress.instance = (index, ids[index], outcome)
        emit(.instanceDone)
        progress.instance = nil
    }

    private mutating func finish() {
        progress.inProgress = 0
        emit(.finished)
    }

    private mutating func emit(_ event: ProgressEvent) {
        guard let observe else { return }
        progress.event = event
        observe(progress)
    }

    /// "wave 3 (2 ids) not sent", "waves 3 to 5 (12 ids) not sent": from wave `first` (from 0).
    private func notSent(from first: Int) -> String {
        let count = ids.count - waves[first].lowerBound
        let named = first + 1 == waves.count ? "wave \(waves.count)" : "waves \(first + 1) to \(waves.count)"
        return "\(named) (\(count) \(count == 1 ? "id" : "ids")) not sent"
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 5 ? items.joined(separator: ", ") : items.prefix(5).joined(separator: ", ") + ", ..."
    }
}
