import DCSAPI
import NIOCore
import Synchronization

/// The instances and their states.
///
/// Without Redis, a restart puts an instance in RESTARTING until a deadline (its own
/// `restart_seconds`, else the fleet's); the status is worked out from the clock whenever it is
/// read, so nothing runs in the background.
///
/// With Redis (`--redis`), instance N is the N-th of `servers`: a restart really restarts its
/// process in the background and the instance is RESTARTING until the new one answers PING
/// (ERROR if it never does); a flush is a FLUSHALL; the restart durations are not used.
final class Fleet: Sendable {
    private struct Member {
        let spec: InstanceSpec
        /// The status it shows when no restart is under way: the spec's, or one set through
        /// `POST /_emulator/instances/{id}`.
        var status: String
        var restartingUntil: ContinuousClock.Instant?
        /// With Redis: the token of the process restart it is waiting for.
        var restartInFlight: UInt64?

        init(_ spec: InstanceSpec) {
            self.spec = spec
            status = spec.status
        }

        func status(at now: ContinuousClock.Instant) -> String {
            if let until = restartingUntil, now < until { return "RESTARTING" }
            if restartInFlight != nil { return "RESTARTING" }
            return status
        }
    }

    private struct State {
        var members: [Member]
        var index: [String: Int]
        var lastRestartToken: UInt64 = 0
    }

    /// An instance as the control API shows it; the Redis fields only with `--redis`.
    struct View {
        let spec: InstanceSpec
        let status: String
        var redisPort: Int? = nil
        var redisPID: Int32? = nil
    }

    /// Per id of a request, whether it was acted on: known at once, or once Redis has answered.
    enum Outcomes {
        case now([Bool])
        case later(EventLoopFuture<[Bool]>)
    }

    private let restartDuration: Duration
    private let state: Mutex<State>
    private let servers: RedisServers?

    /// Fails on a duplicate id. With `servers`, it must have one server per spec, in order.
    init(_ specs: [InstanceSpec], restartSeconds: Double, servers: RedisServers? = nil) throws(FleetFileError) {
        var index: [String: Int] = [:]
        for (position, spec) in specs.enumerated() {
            if index.updateValue(position, forKey: spec.id) != nil {
                throw FleetFileError("instance id \(spec.id) appears twice")
            }
        }
        restartDuration = Self.duration(seconds: restartSeconds)
        state = Mutex(State(members: specs.map(Member.init), index: index))
        self.servers = servers
    }

    private static func duration(seconds: Double) -> Duration {
        .nanoseconds(Int64((max(seconds, 0) * 1e9).rounded()))
    }

    /// The position of an id, compared byte for byte (Swift's `==` would also match a
    /// canonically equivalent spelling, which the service would not).
    private static func position(of id: String, in state: State) -> Int? {
        guard let position = state.index[id], state.members[position].spec.id.utf8.elementsEqual(id.utf8)
        else { return nil }
        return position
    }

    /// Applies `action` to each id in order and says, per id, whether it was acted on. Only
    /// RUNNING instances are acted on, and only Redis 4.0 and later flushed.
    func apply(_ action: InstanceAction, to ids: [String]) -> Outcomes {
        var restarts: [(position: Int, token: UInt64)] = []
        var flushes: [(slot: Int, position: Int)] = []
        var outcomes = state.withLock { state in
            let now = ContinuousClock.now
            return ids.enumerated().map { slot, id in
                guard let position = Self.position(of: id, in: state),
                      state.members[position].status(at: now) == "RUNNING" else { return false }
                switch action {
                case .flush:
                    guard state.members[position].spec.canBeFlushed else { return false }
                    if servers != nil { flushes.append((slot, position)) }
                    return true
                case .restart, .softRestart:
                    if servers != nil {
                        state.lastRestartToken += 1
                        state.members[position].restartInFlight = state.lastRestartToken
                        restarts.append((position, state.lastRestartToken))
                        return true
                    }
                    let duration = state.members[position].spec.restartSeconds.map { Self.duration(seconds: $0) }
                        ?? restartDuration
                    if duration > .zero {
                        state.members[position].restartingUntil = now + duration
                    }
                    return true
                }
            }
        }
        guard let servers else { return .now(outcomes) }
        for (position, token) in restarts {
            servers.restart(position) { succeeded in self.restartEnded(position, token: token, succeeded: succeeded) }
        }
        guard !flushes.isEmpty else { return .now(outcomes) }
        for (slot, _) in flushes { outcomes[slot] = false }
        let (waiting, slots) = (outcomes, flushes.map(\.slot))
        return .later(servers.flush(flushes.map(\.position)).map { flushed in
            var outcomes = waiting
            for (slot, succeeded) in zip(slots, flushed) { outcomes[slot] = succeeded }
            return outcomes
        })
    }

    /// A process restart is over: the instance shows its status again, or ERROR if the new
    /// process does not answer. Nothing changes if the restart was cancelled meanwhile.
    private func restartEnded(_ position: Int, token: UInt64, succeeded: Bool) {
        state.withLock { state in
            guard state.members[position].restartInFlight == token else { return }
            state.members[position].restartInFlight = nil
            if !succeeded { state.members[position].status = "ERROR" }
        }
    }

    /// The instance and its current status, or nil for an unknown id.
    func instance(_ id: String) -> (spec: InstanceSpec, status: String)? {
        state.withLock { state in
            guard let position = Self.position(of: id, in: state) else { return nil }
            let member = state.members[position]
            return (member.spec, member.status(at: .now))
        }
    }

    /// Gives an instance `status` from now on, cancelling a restart under way; nil for an
    /// unknown id.
    func setStatus(_ status: String, of id: String) -> View? {
        state.withLock { state in
            guard let position = Self.position(of: id, in: state) else { return nil }
            state.members[position].status = status
            state.members[position].restartingUntil = nil
            state.members[position].restartInFlight = nil
            return view(of: state.members[position], at: position, status: status)
        }
    }

    func all() -> [View] {
        state.withLock { state in
            let now = ContinuousClock.now
            return state.members.enumerated().map { position, member in
                view(of: member, at: position, status: member.status(at: now))
            }
        }
    }

    private func view(of member: Member, at position: Int, status: String) -> View {
        guard let servers else { return View(spec: member.spec, status: status) }
        let (port, pid) = servers.info(position)
        return View(spec: member.spec, status: status, redisPort: port, redisPID: pid)
    }

    /// Every instance back to its configured status, no timed restart under way. A process
    /// restart under way (with Redis) is real: its instance stays RESTARTING until it is over.
    func reset() {
        state.withLock { state in
            for position in state.members.indices {
                state.members[position].status = state.members[position].spec.status
                state.members[position].restartingUntil = nil
            }
        }
    }
}
