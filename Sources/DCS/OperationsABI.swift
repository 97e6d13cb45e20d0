import DCSCore

/// Field offsets of `dcs_call_options` version 1: `unsigned int version; uint32_t deadline_ms;`.
private enum CallOptionsLayout {
    static let version = 0
    static let deadlineMs = 4
}

/// The values of `dcs_action`.
private let actionsByValue: [Int32: InstanceAction] = [0: .restart, 1: .softRestart, 2: .flush]

/// The shared body of every operation: check, call, hand out.
private func perform(_ action: InstanceAction, _ client: OpaquePointer?,
                     _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?, _ count: UInt,
                     deadlineMs: UInt32 = 0,
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
    let report = Unmanaged<ClientBox>.borrow(client).client.perform(action, ids: ids, deadlineMs: deadlineMs)
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
    options.storeBytes(of: 1, toByteOffset: CallOptionsLayout.version, as: UInt32.self)
    options.storeBytes(of: 0, toByteOffset: CallOptionsLayout.deadlineMs, as: UInt32.self)
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
    var deadlineMs: UInt32 = 0
    if let options {
        let version = options.load(fromByteOffset: CallOptionsLayout.version, as: UInt32.self)
        // A newer caller's options may ask for what this library cannot do: refused, not ignored.
        guard version == 1 else {
            return finish(ArgumentError("options->version is \(version), this library knows version 1: start from DCS_CALL_OPTIONS_INIT"), err)
        }
        deadlineMs = options.load(fromByteOffset: CallOptionsLayout.deadlineMs, as: UInt32.self)
    }
    return perform(known, client, instanceIDs, count, deadlineMs: deadlineMs, out, err)
}
