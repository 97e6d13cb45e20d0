import DCSCore

/// The shared body of dcs_restart, dcs_soft_restart and dcs_flush: check, call, hand out.
private func perform(_ action: InstanceAction, _ client: OpaquePointer?,
                     _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?, _ count: UInt,
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
    let report = Unmanaged<ClientBox>.borrow(client).client.perform(action, ids: ids)
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
