import CDCS
import DCSCore

/// What a caller's `dcs_call_options` ask for.
struct CallOptions {
    var deadlineMs: UInt32 = 0
    var cancel: CancelToken?
    var waitRunningMs: UInt32 = 0
    var rollout = Rollout()
    var progress: dcs_progress_fn?
    var progressUser: UnsafeMutableRawPointer?

    static let latestVersion = UInt32(DCS_CALL_OPTIONS_VERSION)

    /// The defaults.
    init() {}

    /// The bytes of each version's struct: a caller built against an older header has a shorter one.
    static let version1Size = MemoryLayout<dcs_call_options>.offset(of: \.cancel) ?? 8
    static let version2Size = MemoryLayout<dcs_call_options>.offset(of: \.wave_size) ?? 24

    /// nil options are the defaults. A caller built against an older header has a shorter
    /// struct: only its version's fields are read. A version this library does not know is
    /// refused, not ignored, since its fields may ask for what this library cannot do.
    init(_ options: UnsafeRawPointer?) throws(ArgumentError) {
        guard let options else { return }
        let version = options.load(as: UInt32.self)
        guard (1...Self.latestVersion).contains(version) else {
            throw ArgumentError("options->version is \(version), this library knows 1 to \(Self.latestVersion): start from DCS_CALL_OPTIONS_INIT")
        }
        // Fields are read one by one, at their offsets: a version-1 or -2 caller's struct ends
        // before the later fields, and loading the whole struct would read past it.
        func field<Value>(_ path: KeyPath<dcs_call_options, Value>, _ type: Value.Type) -> Value {
            options.load(fromByteOffset: MemoryLayout<dcs_call_options>.offset(of: path)!, as: type)
        }
        deadlineMs = field(\.deadline_ms, UInt32.self)
        guard version >= 2 else { return }
        cancel = field(\.cancel, OpaquePointer?.self).map { Unmanaged<CancelToken>.borrow($0) }
        waitRunningMs = field(\.wait_running_ms, UInt32.self)
        guard version >= 3 else { return }
        let waveSize = field(\.wave_size, Int.self)
        guard (0...Int(DCS_MAX_IDS_PER_CALL)).contains(waveSize) else {
            throw ArgumentError("options->wave_size is \(UInt(bitPattern: waveSize)), more than DCS_MAX_IDS_PER_CALL (\(DCS_MAX_IDS_PER_CALL))")
        }
        rollout = Rollout(waveSize: waveSize, pauseMs: field(\.wave_pause_ms, UInt32.self),
                          keepGoing: field(\.keep_going, Int32.self) != 0)
        progress = field(\.progress, dcs_progress_fn?.self)
        progressUser = field(\.progress_user, UnsafeMutableRawPointer?.self)
    }

    /// The caller's progress function as the core calls it; nil when none was given.
    var observer: ((Progress) -> Void)? {
        guard let progress else { return nil }
        let user = progressUser
        return { state in
            var report = dcs_progress(
                event: dcs_progress_event(rawValue: UInt32(state.event.rawValue)), wave: state.wave, waves: state.waves,
                total: state.total, done: state.done, succeeded: state.succeeded, failed: state.failed,
                unknown: state.unknown, not_sent: state.notSent, in_progress: state.inProgress,
                not_started: state.notStarted, instance_id: nil, index: 0, outcome: DCS_OUTCOME_NOT_SENT)
            guard let instance = state.instance else { return progress(&report, user) }
            report.index = instance.index
            report.outcome = dcs_outcome(rawValue: UInt32(instance.outcome.rawValue))
            instance.id.withCString { id in
                report.instance_id = id
                progress(&report, user)
            }
        }
    }
}
