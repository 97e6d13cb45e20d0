import DCSCore

/// The object behind `dcs_results *`: one entry per id of the call, and a cursor.
final class ResultsBox {
    let instanceIDs: [OwnedCString]
    let outcomes: [InstanceOutcome]
    /// Per entry, its request id: one copy per answer, shared by the entries of its request.
    let requestIDs: [OwnedCString?]
    var cursor = 0

    init?(_ report: CallReport) {
        var copies: [OwnedCString] = []
        copies.reserveCapacity(report.instanceIDs.count)
        for id in report.instanceIDs {
            guard let copy = OwnedCString(id) else { return nil }
            copies.append(copy)
        }
        var requestIDs: [OwnedCString?] = []
        requestIDs.reserveCapacity(report.requestIDs.count)
        var previous: (text: String, copy: OwnedCString)?
        for requestID in report.requestIDs {
            if requestID.isEmpty {
                requestIDs.append(nil)
            } else if let previous, previous.text == requestID {
                requestIDs.append(previous.copy)
            } else {
                guard let copy = OwnedCString(requestID) else { return nil }
                previous = (requestID, copy)
                requestIDs.append(copy)
            }
        }
        instanceIDs = copies
        outcomes = report.outcomes
        self.requestIDs = requestIDs
    }
}

@_cdecl("dcs_results_count")
public func dcs_results_count(_ results: OpaquePointer?) -> UInt {
    guard let results else { return 0 }
    return UInt(Unmanaged<ResultsBox>.borrow(results).outcomes.count)
}

@_cdecl("dcs_results_next")
public func dcs_results_next(_ results: OpaquePointer?, _ instanceID: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                             _ outcome: UnsafeMutablePointer<Int32>?) -> Int32 {
    guard let results else { return 0 }
    let box = Unmanaged<ResultsBox>.borrow(results)
    guard box.cursor < box.outcomes.count else { return 0 }
    instanceID?.pointee = box.instanceIDs[box.cursor].borrowed
    outcome?.pointee = box.outcomes[box.cursor].rawValue
    box.cursor += 1
    return 1
}

@_cdecl("dcs_results_at")
public func dcs_results_at(_ results: OpaquePointer?, _ index: UInt,
                           _ instanceID: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                           _ outcome: UnsafeMutablePointer<Int32>?) -> Int32 {
    guard let results else { return 0 }
    let box = Unmanaged<ResultsBox>.borrow(results)
    guard index < UInt(box.outcomes.count) else { return 0 }
    instanceID?.pointee = box.instanceIDs[Int(index)].borrowed
    outcome?.pointee = box.outcomes[Int(index)].rawValue
    return 1
}

@_cdecl("dcs_results_request_id")
public func dcs_results_request_id(_ results: OpaquePointer?, _ index: UInt) -> UnsafePointer<CChar> {
    guard let results else { return emptyCString }
    let box = Unmanaged<ResultsBox>.borrow(results)
    guard index < UInt(box.requestIDs.count) else { return emptyCString }
    return box.requestIDs[Int(index)]?.borrowed ?? emptyCString
}

@_cdecl("dcs_results_copy")
public func dcs_results_copy(_ results: OpaquePointer?, _ start: UInt, _ count: UInt,
                             _ instanceIDs: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                             _ outcomes: UnsafeMutablePointer<Int32>?,
                             _ requestIDs: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> UInt {
    guard let results else { return 0 }
    let box = Unmanaged<ResultsBox>.borrow(results)
    let total = UInt(box.outcomes.count)
    guard start < total else { return 0 }
    let copied = min(count, total - start)
    for offset in 0..<Int(copied) {
        let index = Int(start) + offset
        instanceIDs?[offset] = box.instanceIDs[index].borrowed
        outcomes?[offset] = box.outcomes[index].rawValue
        requestIDs?[offset] = box.requestIDs[index]?.borrowed ?? emptyCString
    }
    return copied
}

@_cdecl("dcs_results_rewind")
public func dcs_results_rewind(_ results: OpaquePointer?) {
    guard let results else { return }
    Unmanaged<ResultsBox>.borrow(results).cursor = 0
}

@_cdecl("dcs_results_free")
public func dcs_results_free(_ results: OpaquePointer?) {
    guard let results else { return }
    Unmanaged<ResultsBox>.release(results)
}
