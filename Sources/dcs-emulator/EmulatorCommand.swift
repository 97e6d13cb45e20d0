#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import NIOCore
import NIOPosix

@main
struct EmulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcs-emulator",
        abstract: "A local stand-in for the Huawei Cloud DCS instance-status API, with fault injection."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (the listening line says which).")
    var port = 0

    @Option(help: "Access key that signed requests must use.")
    var ak = "EMULATORAK000000000"

    @Option(help: "Secret key that signed requests are verified with.")
    var sk = "emulator-secret-key-do-not-use"

    @Option(help: "When set, signed requests must carry it as a signed X-Security-Token.")
    var securityToken: String?

    @Option(help: "IAM token accepted in X-Auth-Token; without it token authentication is refused.")
    var authToken: String?

    @Option(help: "The project id the API paths must name.")
    var projectId = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

    @Option(help: """
        JSON file: an array of {"id","engine_version","status"} (optional "name", "restart_seconds", \
        "tags": {"key": "value", ...}, "never_returns": true) replacing the default fleet. An instance \
        that never returns stays RESTARTING (or FLUSHING) for good once acted on.
        """)
    var instances: String?

    @Option(help: "Add N RUNNING Redis 5.0 instances after the others: \(InstanceSpec.generatedRule).")
    var generatedInstances = 0

    @Option(help: "Seconds an instance stays RESTARTING after restart or soft_restart (0: stays RUNNING); not used with --redis.")
    var restartSeconds = 2.0

    @Option(help: "Seconds an instance stays FLUSHING after a flush (0: stays RUNNING); not used with --redis.")
    var flushSeconds = 0.0

    @Flag(help: """
        Run each instance as a real redis-server on 127.0.0.1 (a free port, no persistence): restart \
        and soft_restart restart its process, flush runs FLUSHALL. GET /_emulator/instances shows \
        redis_port and redis_pid.
        """)
    var redis = false

    @Option(help: "The redis-server to run with --redis (default: the first on PATH).")
    var redisServer: String?

    @Option(parsing: .unconditional,
            help: "Run the emulator's clock N seconds off real time (may be negative): the Date header and the X-Sdk-Date check use it.")
    var clockOffsetSeconds = 0

    @Flag(help: "Keep the last 1000 API requests for GET /_emulator/requests (tokens and signatures shown as [redacted]).")
    var recordRequests = false

    @Flag(help: "With --record-requests: show tokens and signatures as sent, for tests that check them. Never in a bug report.")
    var recordSecrets = false

    @Option(help: "Queue a fault at start: kind[:count[:skip[:on]]], on one of any, put, get, list (default any). Repeatable.")
    var fault: [String] = []

    @Flag(help: "No per-request log on stderr.")
    var quiet = false

    @Option(help: "Event loop threads (default: the number of cores).")
    var threads: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard generatedInstances >= 0 else { throw ValidationError("--generated-instances must not be negative") }
        guard restartSeconds >= 0, restartSeconds.isFinite else { throw ValidationError("--restart-seconds must be >= 0") }
        guard flushSeconds >= 0, flushSeconds.isFinite else { throw ValidationError("--flush-seconds must be >= 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if redisServer != nil && !redis { throw ValidationError("--redis-server is for --redis only") }
        if recordSecrets && !recordRequests { throw ValidationError("--record-secrets is for --record-requests only") }
        guard abs(clockOffsetSeconds) <= EmulatorClock.offsetLimit else {
            throw ValidationError("--clock-offset-seconds must be in -\(EmulatorClock.offsetLimit)...\(EmulatorClock.offsetLimit)")
        }
    }

    func run() throws {
        var specs = InstanceSpec.defaultFleet
        if let instances {
            let bytes: [UInt8]
            do { bytes = try Self.readFile(instances) } catch { throw ValidationError("--instances: \(error)") }
            do { specs = try InstanceSpec.parseFleetFile(bytes) } catch {
                throw ValidationError("--instances \(instances): \(error)")
            }
        }
        specs += InstanceSpec.generated(generatedInstances)
        do { _ = try Fleet(specs, restartSeconds: restartSeconds, flushSeconds: flushSeconds) } catch {
            throw ValidationError("\(error)")
        }

        var scheduled: [ScheduledFault] = []
        for spec in fault {
            do { scheduled.append(try ScheduledFault(commandLine: spec)) } catch {
                throw ValidationError("--fault \(spec): \(error)")
            }
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads ?? System.coreCount)
        var servers: RedisServers?
        if redis {
            servers = try Self.startRedisServers(executable: redisServer, count: specs.count, group: group)
        }
        do {
            try serve(specs: specs, faults: scheduled, servers: servers, group: group)
        } catch {
            servers?.stopAll()
            throw error
        }
    }

    /// Runs until the process ends.
    private func serve(specs: [InstanceSpec], faults scheduled: [ScheduledFault], servers: RedisServers?,
                       group: MultiThreadedEventLoopGroup) throws {
        let fleet = try Fleet(specs, restartSeconds: restartSeconds, flushSeconds: flushSeconds, servers: servers)
        let authenticator = Authenticator(accessKey: ak, secretKey: sk, securityToken: securityToken,
                                          authToken: authToken, clock: EmulatorClock(offsetSeconds: clockOffsetSeconds))
        let emulator = Emulator(fleet: fleet, faults: FaultPlan(scheduled),
                                traffic: Traffic(recordsRequests: recordRequests, showsSecrets: recordSecrets),
                                service: StatusService(projectID: projectId, authenticator: authenticator, fleet: fleet))

        signal(SIGPIPE, SIG_IGN)
        let server = try HTTPServer.start(host: host, port: port, group: group, emulator: emulator,
                                          log: RequestLog(quiet: quiet))
        let shownHost = host.contains(":") ? "[\(host)]" : host
        RequestLog.writeLine(to: STDOUT_FILENO, "dcs-emulator listening on http://\(shownHost):\(server.port ?? port)")
        try server.channel.closeFuture.wait()
    }

    /// Starts one redis-server per instance, with a watcher that stops them all when the emulator
    /// is told to end or its parent dies. Exits 2 when there is no redis-server to run, 1 when
    /// the servers do not start.
    private static func startRedisServers(executable: String?, count: Int,
                                          group: MultiThreadedEventLoopGroup) throws -> RedisServers {
        guard let path = findRedisServer(executable) else {
            RequestLog.writeLine(to: STDERR_FILENO, executable.map {
                "dcs-emulator: --redis-server \($0) is not an executable file."
            } ?? "dcs-emulator: --redis needs redis-server, which is not on PATH. Install it "
                + "(Debian, Ubuntu: sudo apt-get install redis-server) or give its path with --redis-server PATH.")
            throw ExitCode(2)
        }
        let servers: RedisServers
        do {
            servers = try RedisServers(executable: path, count: count, group: group)
        } catch {
            RequestLog.writeLine(to: STDERR_FILENO, "dcs-emulator: \(error)")
            throw ExitCode.failure
        }
        // Watching first: a signal during the start still stops what has started.
        ShutdownWatcher.start { servers.stopAll() }
        do {
            try servers.launch()
        } catch {
            servers.stopAll()
            RequestLog.writeLine(to: STDERR_FILENO, "dcs-emulator: --redis: \(error)")
            throw ExitCode.failure
        }
        return servers
    }

    /// `given` if it is an executable file, else the first executable `redis-server` on PATH.
    static func findRedisServer(_ given: String?) -> String? {
        func isExecutableFile(_ path: String) -> Bool {
            var information = stat()
            return stat(path, &information) == 0 && (information.st_mode & S_IFMT) == S_IFREG
                && access(path, X_OK) == 0
        }
        if let given { return isExecutableFile(given) ? given : nil }
        let searchPath = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/redis-server"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    struct FileError: Error, CustomStringConvertible {
        let description: String
    }

    /// The whole file, through POSIX calls (no Foundation needed for this).
    static func readFile(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw FileError(description: "cannot open \(path)") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw FileError(description: "cannot read \(path)") }
            if count == 0 { return bytes }
            bytes += buffer[..<count]
        }
    }
}
