#if canImport(Glibc)
import Glibc

/// Child processes started with `fork` and `exec` rather than `posix_spawn`, for the one thing
/// `posix_spawn` cannot do: have the child ask the kernel to kill it when the emulator dies
/// (`PR_SET_PDEATHSIG`), so that not even a `SIGKILL` of the emulator leaves one behind.
///
/// Between `fork` and `exec` the child runs only async-signal-safe system calls on memory
/// prepared beforehand: no allocation, no lock, no Swift runtime call.
///
/// The kernel sends the death signal when the *thread* that forked ends, not the process: the
/// caller must fork from a thread that lives as long as the emulator.
enum ChildProcess {
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// `prctl` is variadic and `close_range` may be missing from the headers: neither can be
    /// called from Swift directly, so both are looked up by name (integer arguments only, which
    /// the calling conventions of Linux pass alike to variadic and fixed functions).
    private typealias PrctlFunction = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    private typealias CloseRangeFunction = @convention(c) (UInt32, UInt32, Int32) -> Int32
    private static let prSetPdeathsig: Int32 = 1
    private static let closeRangeCloexec: Int32 = 1 << 2

    private static func lookUp<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }

    /// Starts `path` with `arguments` (argv[1...]): stdin and stdout on /dev/null, stderr the
    /// emulator's, no other descriptor, no signal blocked or ignored, killed (`SIGKILL`) when the
    /// thread that called this ends. Throws when `exec` fails, with its reason.
    static func spawn(_ path: String, arguments: [String]) throws(SpawnError) -> pid_t {
        // Everything the child touches is made here, before the fork.
        let prctl = lookUp("prctl", as: PrctlFunction.self)
        let closeRange = lookUp("close_range", as: CloseRangeFunction.self)
        let descriptorLimit = Int32(clamping: min(max(sysconf(Int32(_SC_OPEN_MAX)), 256), 65_536))
        let strings = ([path] + arguments).map { strdup($0) }
        defer { strings.forEach { free($0) } }
        guard strings.allSatisfy({ $0 != nil }) else { throw SpawnError(description: "out of memory") }
        var argv = strings + [nil]
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        let parent = getpid()

        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw SpawnError(description: "cannot open /dev/null") }
        defer { close(devNull) }
        // exec closes the write end; the child writes its errno there when exec fails.
        var report: [Int32] = [-1, -1]
        guard pipe(&report) == 0 else { throw SpawnError(description: "pipe failed (errno \(errno))") }
        for end in report { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let (reportRead, reportWrite) = (report[0], report[1])

        let pid = argv.withUnsafeMutableBufferPointer { argv -> pid_t in
            let child = fork()
            guard child == 0 else { return child }
            // The child, until exec.
            pthread_sigmask(SIG_SETMASK, &noSignals, nil)
            signal(SIGPIPE, SIG_DFL)
            if let prctl { _ = prctl(prSetPdeathsig, UInt(SIGKILL), 0, 0, 0) }
            // The emulator died before the line above: nobody would kill this child later.
            if getppid() != parent { _exit(126) }
            dup2(devNull, STDIN_FILENO)
            dup2(devNull, STDOUT_FILENO)
            if closeRange?(3, UInt32.max, closeRangeCloexec) != 0 {
                var descriptor: Int32 = 3
                while descriptor < descriptorLimit {
                    if descriptor != reportWrite { close(descriptor) }
                    descriptor += 1
                }
            }
            execv(argv[0]!, argv.baseAddress!)
            var failure = errno
            _ = write(reportWrite, &failure, MemoryLayout<Int32>.size)
            _exit(127)
        }
        close(reportWrite)
        defer { close(reportRead) }
        guard pid > 0 else { throw SpawnError(description: "fork failed (errno \(errno))") }
        var failure: Int32 = 0
        var count: Int
        repeat {
            count = read(reportRead, &failure, MemoryLayout<Int32>.size)
        } while count < 0 && errno == EINTR
        if count == MemoryLayout<Int32>.size {
            _ = waitFor(pid)
            throw SpawnError(description: "cannot run \(path): \(String(cString: strerror(failure)))")
        }
        return pid
    }

    /// Waits for `pid` to end and reaps it; false when it is not (or no longer) our child.
    @discardableResult
    static func waitFor(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result == pid { return true }
            if result < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// Reaps `pid` if it has ended; true when it has (or is not our child any more).
    static func hasEnded(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == pid || (result < 0 && errno == ECHILD)
    }

    /// `SIGTERM`, up to `grace` for it to end, then `SIGKILL`; reaps it either way.
    static func stop(_ pid: pid_t, grace: Duration) {
        kill(pid, SIGTERM)
        awaitEnd(pid, grace: grace)
    }

    /// Up to `grace` for an already signalled `pid` to end, then `SIGKILL`; reaps it either way.
    static func awaitEnd(_ pid: pid_t, grace: Duration) {
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if hasEnded(pid) { return }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        waitFor(pid)
    }
}
#endif
