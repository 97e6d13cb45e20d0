/// When a request is sent again, and after how long. The one place that decides it.
///
/// Only requests that certainly were not applied are retried: the connection never opened,
/// or the gateway answered 429 or 503. Everything that may have reached the service
/// (a timeout or reset after sending, any other 5xx) is final.
struct RetryPolicy: Sendable {
    let maxRetries: Int
    var baseDelayMs = 200
    var maxBackoffMs = 5_000
    /// A Retry-After longer than this is not waited for: the failure is reported instead.
    var maxRetryAfterMs = 60_000

    enum Verdict: Equatable {
        case final
        case retry(afterMs: Int)
    }

    /// `retries` is how many retries were already made for this request.
    func verdict(for attempt: AttemptResult, retries: Int) -> Verdict {
        guard retries < maxRetries else { return .final }
        switch attempt {
        case let .failed(failure):
            guard failure.kind == .neverConnected else { return .final }
            return .retry(afterMs: backoffMs(retries: retries))
        case let .answered(answer):
            guard answer.status == 429 || answer.status == 503 else { return .final }
            if let seconds = answer.retryAfterSeconds {
                guard seconds <= maxRetryAfterMs / 1000 else { return .final }
                return .retry(afterMs: seconds * 1000)
            }
            return .retry(afterMs: backoffMs(retries: retries))
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
