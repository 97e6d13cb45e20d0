#if canImport(Glibc)
import Glibc
import Foundation

/// Runs a clean-up before the emulator goes, when it is told to (SIGTERM, SIGINT, SIGHUP) or
/// when its parent dies (it is then re-parented: `getppid()` changes). After a signal the
/// emulator still ends by that signal, as it would without the watcher.
///
/// The handlers only write the signal's number to a pipe; a thread of the watcher's own reads
/// it, and looks at `getppid()` a few times a second.
enum ShutdownWatcher {
    /// The pipe's write end, set once before any handler is installed and never changed.
    nonisolated(unsafe) private static var signalPipe: Int32 = -1

    static let signals = [SIGTERM, SIGINT, SIGHUP]

    static func start(cleanUp: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            RedisServers.report("cannot watch for signals (pipe: \(String(cString: strerror(errno))))")
            return
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // A full pipe must not block a handler: a signal is enough to stop, the rest can be lost.
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        let readEnd = ends[0]
        signalPipe = ends[1]
        for number in signals {
            signal(number) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(ShutdownWatcher.signalPipe, &byte, 1)
            }
        }
        let parent = getppid()
        let thread = Thread {
            var watched = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            while true {
                if poll(&watched, 1, 200) > 0 {
                    var byte: UInt8 = 0
                    if read(readEnd, &byte, 1) == 1 {
                        cleanUp()
                        let number = Int32(byte)
                        signal(number, SIG_DFL)
                        raise(number)
                        _exit(128 + number)
                    }
                }
                if getppid() != parent {
                    cleanUp()
                    _exit(0)
                }
            }
        }
        thread.name = "shutdown-watcher"
        thread.start()
    }
}
#endif
