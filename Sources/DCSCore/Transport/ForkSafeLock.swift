#if canImport(Glibc)
import Glibc
#endif

/// One lock for every handle pool of the process, which a fork never leaves held in the child:
/// `pthread_atfork` takes it before the fork and releases it after, in the parent and the child.
/// (A lock per client could be held by another thread at the moment of the fork: the child's
/// first call would then wait forever.) It guards a few array operations per call only.
enum ForkSafeLock {
    // nonisolated(unsafe): set once by its initialiser, then only handed to pthread calls.
    nonisolated(unsafe) private static let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_atfork({ pthread_mutex_lock(ForkSafeLock.mutex) },
                       { pthread_mutex_unlock(ForkSafeLock.mutex) },
                       { pthread_mutex_unlock(ForkSafeLock.mutex) })
        return mutex
    }()

    static func withLock<Value>(_ body: () throws -> Value) rethrows -> Value {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
