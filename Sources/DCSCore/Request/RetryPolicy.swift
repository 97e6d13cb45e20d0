/// When a request is sent again, and after how long. The one place that decides it.
///
/// Only requests that certainly were not applied are sent again: the connection never opened,
/// the gateway answered 429 or 503, the service refused an instance that is busy (not running,
/// restarting, or running a task; when the caller asked for it), or refused a signature whose
/// date its clock disagrees with (once, signed with the service's time). Everything that may
/// have reached the service (a timeout or reset after sending, any other 5xx) is final.
struct RetryPolicy: Sendable {
    let maxRetries: Int
    /// How long busy refusals are retried for in all; 0: not at all.
    var busyRetryMs = 0
    var baseDelayMs = 200
    var maxBackoffMs = 5_000
    /// A Retry-After longer than this is not waited for: the failure is reported instead.
    var maxRetryAfterMs = 60_000
    var busyBaseDelayMs = 1_000
    var busyMaxDelayMs = 10_000
    /// Past this, a refused signature is taken for a clock problem: the gateway allows 15 minutes.
    static let tolerableSkewSeconds = 300

    /// DCS's codes for "the instance cannot take this now": those Terraform's provider retries
    /// for every DCS operation, and DCS.4017 (a background task), each in both of its spellings
    /// (DCS.4NNN and 111400NNN), and the billing side's "another operation is being performed".
    static let busyCodes: Set<String> = {
        let numbers = ["4017", "4026", "4049", "4096", "4097", "4111", "4113", "4114", "4115", "4116", "4117", "4118",
                       "4120", "4121", "4975"]
        return Set(numbers.flatMap { ["DCS.\($0)", "111400\($0.dropFirst())"] } + ["CBC.99003651"])
    }()

    enum Verdict: Equatable {
        case final
        case retry(afterMs: Int)
        /// A busy refusal: retried on its own budget, not counted in `maxRetries`.
        case retryBusy(afterMs: Int)
        /// A signature refused while the service's clock is far from the one it was signed
        /// with: sign with the service's time and send at once, not counted in `maxRetries`.
        case resignWithServiceClock
    }

    /// What was done for one request so far, and what its last answer showed of the clocks.
    struct History: Equatable {
        /// Ordinary retries made.
        var retries = 0
        /// Time spent waiting on busy refusals.
        var busyWaitedMs = 0
        /// Whether the request is signed with AK/SK: a token request signs no date.
        var signed = false
        var clockCorrected = false
    }

    /// `clockSkewSeconds`: how far the service's clock (from the answer's Date) is ahead of the
    /// one the request was signed with; nil when the answer gave no date.
    func verdict(for attempt: AttemptResult, history: History, clockSkewSeconds: Int? = nil) -> Verdict {
        switch attempt {
        case let .failed(failure):
            guard failure.kind == .neverConnected, history.retries < maxRetries else { return .final }
            return .retry(afterMs: backoffMs(retries: history.retries))
        case let .answered(answer) where answer.status == 429 || answer.status == 503:
            guard history.retries < maxRetries else { return .final }
            if let seconds = answer.http.retryAfterSeconds {
                guard seconds <= maxRetryAfterMs / 1000 else { return .final }
                return .retry(afterMs: seconds * 1000)
            }
            return .retry(afterMs: backoffMs(retries: history.retries))
        case let .answered(answer) where answer.status == 401:
            guard history.signed, !history.clockCorrected, let skew = clockSkewSeconds,
                  abs(skew) > Self.tolerableSkewSeconds else { return .final }
            return .resignWithServiceClock
        case let .answered(answer) where answer.status == 400 && busyRetryMs > 0:
            guard Self.busyCodes.contains(answer.errorCode), history.busyWaitedMs < busyRetryMs else { return .final }
            let waited = history.busyWaitedMs
            let delay = min(busyMaxDelayMs, max(busyBaseDelayMs, waited), busyRetryMs - waited)
            return .retryBusy(afterMs: max(delay, 1))
        case .answered:
            return .final
        }
    }

    /// Exponential backoff with jitter: a random delay in the upper half of a window that
    /// doubles with each retry (200 ms, 400 ms, 800 ms... up to 5 s), so that many clients
    /// refused together do not come back together.
    func backoffMs(retries: Int) -> Int {
        let window = min(maxBackoffMs, baseDelayMs << min(retries, 16))
        return Int.random(in: window / 2...window)
    }
}
