import DCSAPI
import NIOCore
import Synchronization

/// The instances and their states.
///
/// Without Redis, a restart puts an instance in RESTARTING until a deadline (its own
/// `restart_seconds`, else the fleet's), a flush in FLUSHING for the fleet's flush duration (none
/// by default: it stays RUNNING); the status is worked out from the clock whenever it is read, so
/// nothing runs in the background.
///
/// With Redis (`--redis`), instance N is the N-th of `servers`: a restart really restarts its
/// process in the background and the instance is RESTARTING until the new one answers PING
/// (ERROR if it never does); a flush is a FLUSHALL; the durations are not used.
///
/// An instance that never returns, once acted on, shows RESTARTING or FLUSHING until its status
/// is set or the fleet reset, with or without Redis.
final class Fleet: Sendable {
    /// RESTARTING or FLUSHING, shown until a deadline (for good when the instance never returns).
    private struct Transient {
        let status: String
        let until: ContinuousClock.Instant
    }

    private struct Member {
        let spec: InstanceSpec
        /// The status it shows when no operation is under way: the spec's, or one set through
        /// `POST /_emulator/instances/{id}`.
        var status: String
        var transient: Transient?
        var neverReturns: Bool
        /// With Redis: the token of the process restart it is waiting for.
        var restartInFlight: UInt64?

        init(_ spec: InstanceSpec) {
            self.spec = spec
            status = spec.status
            neverReturns = spec.neverReturns
        }

        func status(at now: ContinuousClock.Instant) -> String {
            if let transient, neverReturns || now < transient.until { return transient.status }
            if restartInFlight != nil { return "RESTARTING" }
            return status
        }

        /// Shows `status` for `duration` from `now`, or for good when the instance never returns.
        mutating func enter(_ status: String, for duration: Duration, at now: ContinuousClock.Instant) {
            if duration > .zero || neverReturns { transient = Transient(status: status, until: now + duration) }
        }
    }

    private struct State {
        var members: [Member]
        var index: [String: Int]
        var lastRestartToken: UInt64 = 0
    }

    /// An instance as it stands; the Redis fields only with `--redis`.
    struct View {
        let spec: InstanceSpec
        /// Its place in the fleet, from 0: the service's (creation) order.
        let position: Int
        let status: String
        let neverReturns: Bool
        var redisPort: Int? = nil
        var redisPID: Int32? = nil
    }

    /// Per id of a request, whether it was acted on: known at once, or once Redis has answered.
    enum Outcomes {
        case now([Bool])
        case later(EventLoopFuture<[Bool]>)
    }

    private let restartDuration: Duration
    private let flushDuration: Duration
    private let state: Mutex<State>
    private let servers: RedisServers?

    /// Fails on a duplicate id. With `servers`, it must have one server per spec, in order.
    init(_ specs: [InstanceSpec], restartSeconds: Double, flushSeconds: Double = 0,
         servers: RedisServers? = nil) throws(FleetFileError) {
        var index: [String: Int] = [:]
        for (position, spec) in specs.enumerated() {
            if index.updateValue(position, forKey: spec.id) != nil {
                throw FleetFileError("instance id \(spec.id) appears twice")
            }
        }
        restartDuration = Self.duration(seconds: restartSeconds)
        flushDuration = Self.duration(seconds: flushSeconds)
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
                    state.members[position].enter("FLUSHING", for: servers == nil ? flushDuration : .zero, at: now)
                    return true
                case .restart, .softRestart:
                    if servers != nil {
                        state.lastRestartToken += 1
                        state.members[position].restartInFlight = state.lastRestartToken
                        restarts.append((position, state.lastRestartToken))
                        state.members[position].enter("RESTARTING", for: .zero, at: now)
                        return true
                    }
                    let duration = state.members[position].spec.restartSeconds.map { Self.duration(seconds: $0) }
                        ?? restartDuration
                    state.members[position].enter("RESTARTING", for: duration, at: now)
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

    /// The instance as it stands, or nil for an unknown id.
    func instance(_ id: String) -> View? {
        state.withLock { state in
            guard let position = Self.position(of: id, in: state) else { return nil }
            return view(of: state.members[position], at: position, now: .now)
        }
    }

    /// Changes an instance from now on; nil for an unknown id. A `status` cancels the operation
    /// under way (the instance shows that status at once); `neverReturns` true keeps an operation
    /// under way for good, false lets it end at its deadline.
    func change(_ id: String, status: String?, neverReturns: Bool?) -> View? {
        state.withLock { state in
            guard let position = Self.position(of: id, in: state) else { return nil }
            let now = ContinuousClock.now
            if let neverReturns {
                // An operation that is over stays over: only one under way is kept for good.
                if let transient = state.members[position].transient, now >= transient.until,
                   !state.members[position].neverReturns {
                    state.members[position].transient = nil
                }
                state.members[position].neverReturns = neverReturns
            }
            if let status {
                state.members[position].status = status
                state.members[position].transient = nil
                state.members[position].restartInFlight = nil
            }
            return view(of: state.members[position], at: position, now: now)
        }
    }

    /// Every instance in the fleet's order.
    func all() -> [View] {
        state.withLock { state in
            let now = ContinuousClock.now
            return state.members.indices.map { view(of: state.members[$0], at: $0, now: now) }
        }
    }

    private func view(of member: Member, at position: Int, now: ContinuousClock.Instant) -> View {
        var shown = View(spec: member.spec, position: position, status: member.status(at: now),
                         neverReturns: member.neverReturns)
        if let servers { (shown.redisPort, shown.redisPID) = servers.info(position) }
        return shown
    }

    /// Every instance back to its configured status and `never_returns`, no timed operation under
    /// way. A process restart under way (with Redis) is real: its instance stays RESTARTING until
    /// it is over.
    func reset() {
        state.withLock { state in
            for position in state.members.indices {
                state.members[position].status = state.members[position].spec.status
                state.members[position].transient = nil
                state.members[position].neverReturns = state.members[position].spec.neverReturns
            }
        }
    }
}
