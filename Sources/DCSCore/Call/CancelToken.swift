import NIOConcurrencyHelpers

/// Ends a call early, from any thread: a transfer in progress stops within about 50 ms, a wait
/// between retries or polls at once. What was sent by then may have been applied.
public final class CancelToken: Sendable {
    // A condition lock, so that a sleeping call wakes the moment the token is triggered.
    private let triggered = ConditionLock(value: false)

    public init() {}

    public func trigger() {
        triggered.lock()
        triggered.unlock(withValue: true)
    }

    public var isTriggered: Bool { triggered.value }

    /// Waits `milliseconds`, or less when the token is triggered; true when it was.
    func sleep(milliseconds: Int) -> Bool {
        guard milliseconds > 0 else { return isTriggered }
        guard triggered.lock(whenValue: true, timeoutSeconds: Double(milliseconds) / 1000) else { return false }
        triggered.unlock()
        return true
    }
}
