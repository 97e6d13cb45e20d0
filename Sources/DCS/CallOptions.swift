import CDCS
import DCSCore

/// What a caller's `dcs_call_options` ask for.
struct CallOptions {
    var deadlineMs: UInt32 = 0
    var cancel: CancelToken?
    var waitRunningMs: UInt32 = 0

    static let latestVersion = UInt32(DCS_CALL_OPTIONS_VERSION)

    /// nil options are the defaults. A caller built against an older header has a shorter
    /// struct: only its version's fields are read. A version this library does not know is
    /// refused, not ignored, since its fields may ask for what this library cannot do.
    init(_ options: UnsafeRawPointer?) throws(ArgumentError) {
        guard let options else { return }
        let version = options.load(as: UInt32.self)
        guard (1...Self.latestVersion).contains(version) else {
            throw ArgumentError("options->version is \(version), this library knows 1 to \(Self.latestVersion): start from DCS_CALL_OPTIONS_INIT")
        }
        guard version >= 2 else {
            // Version 1: `unsigned int version; uint32_t deadline_ms;` and nothing after.
            deadlineMs = options.load(fromByteOffset: MemoryLayout<dcs_call_options>.offset(of: \.deadline_ms) ?? 4,
                                      as: UInt32.self)
            return
        }
        let fields = options.load(as: dcs_call_options.self)
        deadlineMs = fields.deadline_ms
        cancel = fields.cancel.map { Unmanaged<CancelToken>.borrow($0) }
        waitRunningMs = fields.wait_running_ms
    }
}
