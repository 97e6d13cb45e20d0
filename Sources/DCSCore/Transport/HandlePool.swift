#if canImport(Glibc)
import Glibc
#endif

/// The idle easy handles of one transport, each with the connection it keeps open. A handle
/// belongs to the process that made it: after a `fork()`, the child finds the parent's handles
/// here and abandons them (`EasyHandle.abandon`: its copy of the socket closed, nothing written
/// on it) instead of reading the parent's answers on the parent's connections; it opens its own.
final class HandlePool: @unchecked Sendable {
    // @unchecked: `idle` is only touched under ForkSafeLock.
    private var idle: [EasyHandle] = []
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Handles a fork left behind, kept where a leak checker still sees them (reachable).
    nonisolated(unsafe) private static var abandoned: [EasyHandle] = []

    static func keepForever(_ handle: EasyHandle) {
        ForkSafeLock.withLock { abandoned.append(handle) }
    }

    deinit {
        // A child freeing its client must not clean up the parent's handles either.
        let pid = getpid()
        for handle in idle where handle.ownerPID != pid { handle.abandon() }
    }

    /// An idle handle of this process, if there is one.
    func take() -> EasyHandle? {
        let pid = getpid()
        var inherited: [EasyHandle] = []
        defer { for handle in inherited { handle.abandon() } }  // outside the lock, which abandon takes
        return ForkSafeLock.withLock {
            while let handle = idle.popLast() {
                if handle.ownerPID == pid { return handle }
                inherited.append(handle)
            }
            return nil
        }
    }

    /// Keeps `handle` for the next call, unless the pool is full (it is then freed) or the
    /// handle is another process's (a fork during the transfer: it is abandoned).
    func put(_ handle: EasyHandle) {
        guard handle.ownerPID == getpid() else {
            handle.abandon()
            return
        }
        let kept = ForkSafeLock.withLock { () -> Bool in
            guard idle.count < capacity else { return false }
            idle.append(handle)
            return true
        }
        _ = kept  // a handle not kept is freed here, outside the lock
    }
}
