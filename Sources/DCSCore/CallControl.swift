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

/// The end of a whole call, when the caller gave one.
struct CallDeadline: Sendable {
    let milliseconds: UInt32
    private let end: ContinuousClock.Instant?

    init(milliseconds: UInt32) {
        self.milliseconds = milliseconds
        end = milliseconds == 0 ? nil : .now + .milliseconds(Int(milliseconds))
    }

    /// Milliseconds left, nil without a deadline.
    func remainingMs() -> Int? {
        guard let end else { return nil }
        return ContinuousClock.now.duration(to: end).milliseconds
    }
}
