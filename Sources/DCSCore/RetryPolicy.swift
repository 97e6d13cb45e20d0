/// When a request is sent again, and after how long. The one place that decides it.
///
/// Only requests that certainly were not applied are retried: the connection never opened,
/// the gateway answered 429 or 503, or (when the caller asked for it) the service refused an
/// instance that is busy (not running, restarting, or running a task). Everything that may
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

    /// DCS's codes for "the instance cannot take this now", in both of its spellings.
    static let busyCodes: Set<String> = ["DCS.4049", "DCS.4111", "DCS.4017", "111400049", "111400111", "111400017"]

    enum Verdict: Equatable {
        case final
        case retry(afterMs: Int)
        /// A busy refusal: retried on its own budget, not counted in `maxRetries`.
        case retryBusy(afterMs: Int)
    }

    /// `retries` is how many ordinary retries were already made for this request, `busyWaitedMs`
    /// how long it already waited on busy refusals.
    func verdict(for attempt: AttemptResult, retries: Int, busyWaitedMs: Int = 0) -> Verdict {
        switch attempt {
        case let .failed(failure):
            guard failure.kind == .neverConnected, retries < maxRetries else { return .final }
            return .retry(afterMs: backoffMs(retries: retries))
        case let .answered(answer) where answer.status == 429 || answer.status == 503:
            guard retries < maxRetries else { return .final }
            if let seconds = answer.retryAfterSeconds {
                guard seconds <= maxRetryAfterMs / 1000 else { return .final }
                return .retry(afterMs: seconds * 1000)
            }
            return .retry(afterMs: backoffMs(retries: retries))
        case let .answered(answer) where answer.status == 400 && busyRetryMs > 0:
            let code = AnswerDecoder.errorDetails(body: answer.body, contentType: answer.contentType).code
            guard Self.busyCodes.contains(code), busyWaitedMs < busyRetryMs else { return .final }
            let delay = min(busyMaxDelayMs, max(busyBaseDelayMs, busyWaitedMs), busyRetryMs - busyWaitedMs)
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
