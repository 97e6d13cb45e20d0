import DCSAPI
import DCSCore

@_cdecl("dcs_get_instance_status")
public func dcs_get_instance_status(_ client: OpaquePointer?, _ instanceID: UnsafePointer<CChar>?,
                                    _ out: UnsafeMutablePointer<Int32>?,
                                    _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    dcs_get_instance_status_with(client, instanceID, nil, out, err)
}

@_cdecl("dcs_get_instance_status_with")
public func dcs_get_instance_status_with(_ client: OpaquePointer?, _ instanceID: UnsafePointer<CChar>?,
                                         _ options: UnsafeRawPointer?, _ out: UnsafeMutablePointer<Int32>?,
                                         _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let client else { return finish(ArgumentError("client is NULL"), err) }
    guard let out else { return finish(ArgumentError("out is NULL"), err) }
    out.pointee = InstanceStatus.other.rawValue
    let id: String
    let callOptions: CallOptions
    do throws(ArgumentError) {
        guard let instanceID else { throw ArgumentError("instance_id is NULL") }
        let array: [UnsafePointer<CChar>?] = [instanceID]
        id = try array.withUnsafeBufferPointer { (buffer) throws(ArgumentError) -> String in
            try readInstanceIDs(buffer.baseAddress, count: 1) { _ in "instance_id" }[0]
        }
        callOptions = try CallOptions(options)
    } catch {
        return finish(error, err)
    }
    let query = Unmanaged<ClientBox>.borrow(client).client.instanceStatus(id, deadlineMs: callOptions.deadlineMs,
                                                                          cancel: callOptions.cancel)
    switch query {
    case let .success(status):
        out.pointee = status.rawValue
        return finish(.ok, nil, err)
    case let .failure(failure):
        return finish(failure, err)
    }
}

@_cdecl("dcs_wait_running")
public func dcs_wait_running(_ client: OpaquePointer?, _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?,
                             _ count: UInt, _ timeoutMs: UInt32,
                             _ out: UnsafeMutablePointer<OpaquePointer?>?,
                             _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    dcs_wait_running_with(client, instanceIDs, count, timeoutMs, nil, out, err)
}

@_cdecl("dcs_wait_running_with")
public func dcs_wait_running_with(_ client: OpaquePointer?, _ instanceIDs: UnsafePointer<UnsafePointer<CChar>?>?,
                                  _ count: UInt, _ timeoutMs: UInt32, _ options: UnsafeRawPointer?,
                                  _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                  _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    guard let client else { return finish(ArgumentError("client is NULL"), err) }
    guard let out else { return finish(ArgumentError("out is NULL"), err) }
    guard timeoutMs > 0 else { return finish(ArgumentError("timeout_ms is 0: give the time to wait"), err) }
    let ids: [String]
    let callOptions: CallOptions
    do throws(ArgumentError) {
        ids = try readInstanceIDs(instanceIDs, count: count)
        callOptions = try CallOptions(options)
    } catch {
        return finish(error, err)
    }
    let report = Unmanaged<ClientBox>.borrow(client).client.waitRunning(ids: ids, timeoutMs: timeoutMs,
                                                                        deadlineMs: callOptions.deadlineMs,
                                                                        cancel: callOptions.cancel)
    return handOut(report, out, err)
}

nonisolated(unsafe) private let instanceStatusNames: [Int32: UnsafePointer<CChar>] = Dictionary(
    uniqueKeysWithValues: InstanceStatus.allCases.map { ($0.rawValue, staticCString($0.serviceName)) })
nonisolated(unsafe) private let otherStatusName = staticCString(InstanceStatus.other.serviceName)

@_cdecl("dcs_instance_status_name")
public func dcs_instance_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    instanceStatusNames[status] ?? otherStatusName
}
