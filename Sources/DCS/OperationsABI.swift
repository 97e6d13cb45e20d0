import CDCS
import DCSAPI
import DCSCore

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
                                                                    cancel: options?.cancel,
                                                                    waitRunningMs: options?.waitRunningMs ?? 0)
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

@_cdecl("dcs_check_instance_ids")
public func dcs_check_instance_ids(_ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?, _ count: UInt,
                                   _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    do throws(ArgumentError) {
        _ = try readInstanceIDs(instanceIDs, count: count)
    } catch {
        return finish(error, err)
    }
    return finish(.ok, nil, err)
}

@_cdecl("dcs_call_options_init")
public func dcs_call_options_init(_ options: UnsafeMutableRawPointer?, _ size: UInt) {
    guard let options else { return }
    let version1Size = MemoryLayout<dcs_call_options>.offset(of: \.cancel) ?? 8
    if size >= UInt(MemoryLayout<dcs_call_options>.size) {
        options.storeBytes(of: dcs_call_options(version: UInt32(DCS_CALL_OPTIONS_VERSION), deadline_ms: 0, cancel: nil,
                                                wait_running_ms: 0), as: dcs_call_options.self)
    } else if size >= UInt(version1Size) {
        // A caller built against version 1: `unsigned int version; uint32_t deadline_ms;`.
        options.storeBytes(of: UInt32(1), as: UInt32.self)
        options.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
    }
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
