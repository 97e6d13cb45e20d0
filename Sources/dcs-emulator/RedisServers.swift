#if canImport(Glibc)
import Glibc
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// `--redis`: one real `redis-server` per instance of the fleet, on 127.0.0.1, without
/// persistence, each in its own directory under a temporary one that `stopAll` removes.
///
/// Everything that blocks (stopping a process, waiting for PING, FLUSHALL) runs on a pool of
/// threads of its own, never on an event loop. The pool's threads live as long as the emulator,
/// which matters: a child is killed when the thread that forked it ends (`ChildProcess`).
final class RedisServers: Sendable {
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    private final class Server: Sendable {
        let directory: String
        let port: Atomic<Int>
        /// The running process; nil while there is none (between stop and start, or after a
        /// start that failed).
        let pid = Mutex<pid_t?>(nil)
        /// Held for a whole stop, start and wait for PING, and for a FLUSHALL, so that the
        /// operations on one server never overlap. Taken on the pool's threads only.
        let operation = Mutex<Void>(())

        init(directory: String, port: Int) {
            self.directory = directory
            self.port = Atomic(port)
        }

        var logFile: String { directory + "/redis.log" }
    }

    private enum Readiness {
        case ready
        case ended
        case timedOut
        case stopping
    }

    static let stopGrace: Duration = .seconds(5)
    static let readyTimeout: Duration = .seconds(30)
    static let flushTimeout: Duration = .seconds(30)
    static let pingTimeout: Duration = .milliseconds(250)
    static let startAttempts = 3

    let executable: String
    /// The temporary directory holding one working directory per server.
    let root: String
    private let servers: [Server]
    private let pool: NIOThreadPool
    private let group: any EventLoopGroup
    private let stopping = Atomic<Bool>(false)
    /// Held for the whole of `stopAll`; true once it is done.
    private let stopped = Mutex<Bool>(false)

    /// Makes the directories and the thread pool; `launch` starts the processes.
    init(executable: String, count: Int, group: any EventLoopGroup) throws {
        self.executable = executable
        self.group = group
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/dcs-emulator-redis-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw StartError(description: "cannot make a temporary directory under \(base): \(String(cString: strerror(errno)))")
        }
        root = String(cString: made)
        var servers: [Server] = []
        for index in 0..<count {
            let directory = root + "/instance-\(index + 1)"
            guard mkdir(directory, 0o700) == 0 else {
                try? FileManager.default.removeItem(atPath: root)
                throw StartError(description: "cannot make \(directory): \(String(cString: strerror(errno)))")
            }
            servers.append(Server(directory: directory, port: 0))
        }
        self.servers = servers
        pool = NIOThreadPool(numberOfThreads: min(max(count, 1), 8))
        pool.start()
    }

    private func arguments(for server: Server) -> [String] {
        ["--port", String(server.port.load(ordering: .relaxed)), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--daemonize", "no",
         "--dir", server.directory, "--logfile", server.logFile]
    }

    /// Starts every server on a free port and waits until each answers PING. Runs on the
    /// calling thread, which must live as long as the emulator (the main thread does).
    func launch() throws {
        for server in servers {
            try server.operation.withLock { _ in try start(server, newPort: true) }
        }
        for (index, server) in servers.enumerated() {
            var readiness = server.operation.withLock { _ in awaitReady(server) }
            var attempt = 1
            while readiness == .ended && attempt < Self.startAttempts {
                // Most likely the port was taken between our pick and its bind: another one.
                attempt += 1
                try server.operation.withLock { _ in try start(server, newPort: true) }
                readiness = server.operation.withLock { _ in awaitReady(server) }
            }
            switch readiness {
            case .ready:
                continue
            case .stopping:
                throw StartError(description: "stopped while starting")
            case .ended, .timedOut:
                let port = server.port.load(ordering: .relaxed)
                throw StartError(description: "redis-server for instance \(index + 1) on port \(port) "
                                 + (readiness == .ended ? "exited" : "did not answer PING in time")
                                 + Self.tail(of: server.logFile))
            }
        }
    }

    /// Starts the server's process (the lock held); throws when it cannot be run at all.
    private func start(_ server: Server, newPort: Bool) throws {
        guard !stopping.load(ordering: .acquiring) else { throw StartError(description: "stopped while starting") }
        if newPort {
            guard let port = RedisConnection.freePort() else { throw StartError(description: "no free port on 127.0.0.1") }
            server.port.store(port, ordering: .relaxed)
        }
        let pid = try ChildProcess.spawn(executable, arguments: arguments(for: server))
        server.pid.withLock { $0 = pid }
    }

    /// Polls PING until it answers, the process ends, the time is up or the emulator stops
    /// (the lock held).
    private func awaitReady(_ server: Server) -> Readiness {
        let deadline = ContinuousClock.now + Self.readyTimeout
        let port = server.port.load(ordering: .relaxed)
        while true {
            if stopping.load(ordering: .acquiring) { return .stopping }
            guard let pid = server.pid.withLock({ $0 }) else { return .ended }
            if ChildProcess.hasEnded(pid) {
                server.pid.withLock { $0 = nil }
                return .ended
            }
            if RedisConnection.command(["PING"], port: port, timeout: Self.pingTimeout) == "+PONG" { return .ready }
            if ContinuousClock.now > deadline { return .timedOut }
            usleep(10_000)
        }
    }

    /// The port and the process id of the server at `position`.
    func info(_ position: Int) -> (port: Int, pid: pid_t?) {
        let server = servers[position]
        return (server.port.load(ordering: .relaxed), server.pid.withLock { $0 })
    }

    /// Restarts the server at `position` in the background (terminate, wait, start on the same
    /// port, wait for PING); `done` then says whether it answers again.
    func restart(_ position: Int, done: @escaping @Sendable (Bool) -> Void) {
        pool.submit { state in
            done(state == .active && self.restartNow(position))
        }
    }

    private func restartNow(_ position: Int) -> Bool {
        let server = servers[position]
        return server.operation.withLock { _ in
            if let old = server.pid.withLock({ $0 }) {
                ChildProcess.stop(old, grace: Self.stopGrace)
                server.pid.withLock { $0 = nil }
            }
            do {
                try start(server, newPort: false)
            } catch {
                Self.report("restart of the redis-server in \(server.directory) failed: \(error)")
                return false
            }
            switch awaitReady(server) {
            case .ready:
                return true
            case .stopping:
                return false
            case .ended, .timedOut:
                let port = server.port.load(ordering: .relaxed)
                Self.report("the restarted redis-server on port \(port) does not answer" + Self.tail(of: server.logFile))
                return false
            }
        }
    }

    /// FLUSHALL on each server, in order, off the event loops: per server, whether Redis
    /// answered OK.
    func flush(_ positions: [Int]) -> EventLoopFuture<[Bool]> {
        pool.runIfActive(eventLoop: group.next()) {
            positions.map { position in
                let server = self.servers[position]
                return server.operation.withLock { _ in
                    guard !self.stopping.load(ordering: .acquiring) else { return false }
                    return RedisConnection.command(["FLUSHALL"], port: server.port.load(ordering: .relaxed),
                                                   timeout: Self.flushTimeout) == "+OK"
                }
            }
        }
    }

    /// Stops every server (SIGTERM to all, then up to `stopGrace` each before SIGKILL), reaps
    /// them and removes the directories. Blocks until that is done, whoever called first; nothing
    /// starts a server afterwards.
    func stopAll() {
        // A restart or a start under way sees this within a PING timeout and lets go of its lock.
        stopping.store(true, ordering: .releasing)
        stopped.withLock { stopped in
            guard !stopped else { return }
            for server in servers {
                server.operation.withLock { _ in
                    if let pid = server.pid.withLock({ $0 }) { kill(pid, SIGTERM) }
                }
            }
            for server in servers {
                server.operation.withLock { _ in
                    if let pid = server.pid.withLock({ $0 }) { ChildProcess.awaitEnd(pid, grace: Self.stopGrace) }
                    server.pid.withLock { $0 = nil }
                }
            }
            try? FileManager.default.removeItem(atPath: root)
            stopped = true
        }
    }

    /// The last lines of a server's log, to explain a failure.
    private static func tail(of logFile: String) -> String {
        guard let bytes = try? EmulatorCommand.readFile(logFile), !bytes.isEmpty else { return "" }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").suffix(5)
        return "; its log ends:\n" + lines.joined(separator: "\n")
    }

    static func report(_ message: String) {
        RequestLog.writeLine(to: STDERR_FILENO, "dcs-emulator: " + message)
    }
}
#endif
