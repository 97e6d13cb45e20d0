import DCSCore

/// Field offsets of `dcs_call_options`: version 1 has `unsigned int version; uint32_t
/// deadline_ms;`, version 2 adds `dcs_cancel *cancel;`.
enum CallOptionsLayout {
    static let version = 0
    static let deadlineMs = 4
    static let cancel = 8
    static let latestVersion: UInt32 = 2
}

/// What a caller's `dcs_call_options` ask for.
struct CallOptions {
    var deadlineMs: UInt32 = 0
    var cancel: CancelToken?

    /// nil options are the defaults; a version this library does not know is refused, not
    /// ignored, since its fields may ask for what this library cannot do.
    init(_ options: UnsafeRawPointer?) throws(ArgumentError) {
        guard let options else { return }
        let version = options.load(fromByteOffset: CallOptionsLayout.version, as: UInt32.self)
        guard (1...CallOptionsLayout.latestVersion).contains(version) else {
            throw ArgumentError("options->version is \(version), this library knows 1 to \(CallOptionsLayout.latestVersion): start from DCS_CALL_OPTIONS_INIT")
        }
        deadlineMs = options.load(fromByteOffset: CallOptionsLayout.deadlineMs, as: UInt32.self)
        if version >= 2, let token = options.load(fromByteOffset: CallOptionsLayout.cancel, as: OpaquePointer?.self) {
            cancel = Unmanaged<CancelToken>.borrow(token)
        }
    }
}

/// The values of `dcs_action`.
private let actionsByValue: [Int32: InstanceAction] = [0: .restart, 1: .softRestart, 2: .flush]

/// The shared body of every operation: check, call, hand out.
private func perform(_ action: InstanceAction, _ client: OpaquePointer?,
                     _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?, _ count: UInt,
                     options: CallOptions? = nil,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    guard let client else { return finish(ArgumentError("client is NULL"), err) }
    guard let out else { return finish(ArgumentError("out is NULL"), err) }
    let ids: [String]
    do throws(ArgumentError) {
        ids = try readInstanceIDs(instanceIDs, count: count)
    } catch {
        return finish(error, err)
    }
    let report = Unmanaged<ClientBox>.borrow(client).client.perform(action, ids: ids, deadlineMs: options?.deadlineMs ?? 0,
                                                                    cancel: options?.cancel)
    return handOut(report, out, err)
}

/// The results and the error of a call, to the caller's `out` and `err`.
func handOut(_ report: CallReport, _ out: UnsafeMutablePointer<OpaquePointer?>,
             _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let results = ResultsBox(report) else {
        return finish(CallFailure(status: .outOfMemory,
                                  message: "out of memory for the results: \(report.failure?.message ?? "the call was made")"), err)
    }
    out.pointee = Unmanaged.handOut(results)
    return finish(report.status, report.failure, err)
}

@_cdecl("dcs_restart")
public func dcs_restart(_ client: OpaquePointer?, _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?, _ count: UInt,
                        _ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    perform(.restart, client, instanceIDs, count, out, err)
}

@_cdecl("dcs_soft_restart")
public func dcs_soft_restart(_ client: OpaquePointer?, _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?, _ count: UInt,
                             _ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    perform(.softRestart, client, instanceIDs, count, out, err)
}

@_cdecl("dcs_flush")
public func dcs_flush(_ client: OpaquePointer?, _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?, _ count: UInt,
                      _ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    perform(.flush, client, instanceIDs, count, out, err)
}

@_cdecl("dcs_call_options_init")
public func dcs_call_options_init(_ options: UnsafeMutableRawPointer?) {
    guard let options else { return }
    options.storeBytes(of: CallOptionsLayout.latestVersion, toByteOffset: CallOptionsLayout.version, as: UInt32.self)
    options.storeBytes(of: 0, toByteOffset: CallOptionsLayout.deadlineMs, as: UInt32.self)
    options.storeBytes(of: nil, toByteOffset: CallOptionsLayout.cancel, as: OpaquePointer?.self)
}

@_cdecl("dcs_call")
public func dcs_call(_ client: OpaquePointer?, _ action: Int32,
                     _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?, _ count: UInt,
                     _ options: UnsafeRawPointer?,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    guard let known = actionsByValue[action] else {
        return finish(ArgumentError("action \(action) is not a dcs_action"), err)
    }
    let callOptions: CallOptions
    do throws(ArgumentError) {
        callOptions = try CallOptions(options)
    } catch {
        return finish(error, err)
    }
    return perform(known, client, instanceIDs, count, options: callOptions, out, err)
}
