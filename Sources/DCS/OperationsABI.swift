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
    let options = options ?? CallOptions()
    let report = Unmanaged<ClientBox>.borrow(client).client.perform(action, ids: ids, deadlineMs: options.deadlineMs,
                                                                    cancel: options.cancel,
                                                                    waitRunningMs: options.waitRunningMs,
                                                                    rollout: options.rollout, progress: options.observer)
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
    // The newest version whose fields all fit; every field zero (the defaults), no byte past `size`.
    let version: UInt32
    switch Int(clamping: size) {
    case MemoryLayout<dcs_call_options>.size...: version = CallOptions.latestVersion
    case CallOptions.version2Size...: version = 2
    case CallOptions.version1Size...: version = 1
    default: return
    }
    let filled = min(Int(clamping: size), MemoryLayout<dcs_call_options>.size)
    options.initializeMemory(as: UInt8.self, repeating: 0, count: filled)
    options.storeBytes(of: version, as: UInt32.self)
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
