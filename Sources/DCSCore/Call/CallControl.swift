#if canImport(Glibc)
import Glibc
#endif

/// What bounds one call from outside: a deadline for the whole call, and a cancel token.
struct CallControl: Sendable {
    let deadline: CallDeadline
    let cancel: CancelToken?

    init(deadlineMs: UInt32 = 0, cancel: CancelToken? = nil) {
        deadline = CallDeadline(milliseconds: deadlineMs)
        self.cancel = cancel
    }

    var isCancelled: Bool { cancel?.isTriggered ?? false }

    /// Waits, unless cancelled first; true when the wait ended by cancellation.
    func sleep(milliseconds: Int) -> Bool {
        guard let cancel else {
            var pause = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
            var left = timespec()
            while nanosleep(&pause, &left) != 0 { pause = left }  // resumed after a signal
            return false
        }
        return cancel.sleep(milliseconds: milliseconds)
    }
}
