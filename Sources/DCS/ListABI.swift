import CDCS
import DCSAPI
import DCSCore
#if canImport(Glibc)
import Glibc
#endif

/// The object behind `dcs_instance_list *`: the listed instances' fields as C strings.
final class InstanceListBox {
    struct Entry {
        let id, name, statusText, engine, engineVersion: OwnedCString
        let status: InstanceStatus
    }

    let entries: [Entry]

    init?(_ instances: [ListedInstance]) {
        var entries: [Entry] = []
        entries.reserveCapacity(instances.count)
        for instance in instances {
            guard let id = OwnedCString(instance.id), let name = OwnedCString(instance.name),
                  let statusText = OwnedCString(instance.statusText), let engine = OwnedCString(instance.engine),
                  let engineVersion = OwnedCString(instance.engineVersion) else { return nil }
            entries.append(Entry(id: id, name: name, statusText: statusText, engine: engine, engineVersion: engineVersion,
                                 status: instance.status))
        }
        self.entries = entries
    }

    static func entry(_ list: OpaquePointer?, _ index: UInt) -> Entry? {
        guard let list else { return nil }
        let box = Unmanaged<InstanceListBox>.borrow(list)
        return index < UInt(box.entries.count) ? box.entries[Int(index)] : nil
    }
}

/// The caller's filter, each field checked; NULL selects all.
private func readFilter(_ filter: UnsafeRawPointer?) throws(ArgumentError) -> ListFilter {
    guard let filter else { return ListFilter() }
    let version = filter.load(as: UInt32.self)
    guard version == UInt32(DCS_LIST_FILTER_VERSION) else {
        throw ArgumentError("filter->version is \(version), this library knows \(DCS_LIST_FILTER_VERSION): start from DCS_LIST_FILTER_INIT")
    }
    let fields = filter.load(as: dcs_list_filter.self)
    // Never read past a byte more than any field takes, so that "longer than" can be said.
    func bytes(_ text: UnsafePointer<CChar>?) -> [UInt8]? {
        text.map { Array(UnsafeRawBufferPointer(start: $0, count: strnlen($0, ListFilter.maxFieldBytes + 1))) }
    }
    // size_t comes in as Int: read as unsigned, so that SIZE_MAX is not -1.
    let tagCount = UInt(bitPattern: fields.tag_count)
    guard tagCount <= UInt(ListFilter.maxTags) else {
        throw ArgumentError("filter->tag_count is \(tagCount): at most \(ListFilter.maxTags) tags")
    }
    var tags: [[UInt8]] = []
    if tagCount > 0 {
        guard let array = fields.tags else { throw ArgumentError("filter->tags is NULL but filter->tag_count is \(tagCount)") }
        for index in 0..<Int(tagCount) {
            guard let tag = bytes(array[index]) else { throw ArgumentError("filter->tags[\(index)] is NULL") }
            tags.append(tag)
        }
    }
    return try ListFilter.checked(name: bytes(fields.name), nameExact: fields.name_exact != 0, status: bytes(fields.status),
                                  tags: tags) { "filter->\($0)" }
}

@_cdecl("dcs_list_instances")
public func dcs_list_instances(_ client: OpaquePointer?, _ filter: UnsafeRawPointer?, _ options: UnsafeRawPointer?,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?,
                               _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    guard let client else { return finish(ArgumentError("client is NULL"), err) }
    guard let out else { return finish(ArgumentError("out is NULL"), err) }
    let listFilter: ListFilter
    let callOptions: CallOptions
    do throws(ArgumentError) {
        listFilter = try readFilter(filter)
        callOptions = try CallOptions(options)
    } catch {
        return finish(error, err)
    }
    let listed = Unmanaged<ClientBox>.borrow(client).client.listInstances(listFilter, deadlineMs: callOptions.deadlineMs,
                                                                          cancel: callOptions.cancel)
    switch listed {
    case let .success(instances):
        guard let box = InstanceListBox(instances) else {
            return finish(CallFailure(status: .outOfMemory, message: "out of memory for the listing of \(instances.count) instances"), err)
        }
        out.pointee = Unmanaged.handOut(box)
        return finish(.ok, nil, err)
    case let .failure(failure):
        return finish(failure, err)
    }
}

@_cdecl("dcs_instance_list_count")
public func dcs_instance_list_count(_ list: OpaquePointer?) -> UInt {
    guard let list else { return 0 }
    return UInt(Unmanaged<InstanceListBox>.borrow(list).entries.count)
}

@_cdecl("dcs_instance_list_id")
public func dcs_instance_list_id(_ list: OpaquePointer?, _ index: UInt) -> UnsafePointer<CChar> {
    InstanceListBox.entry(list, index)?.id.borrowed ?? emptyCString
}

@_cdecl("dcs_instance_list_name")
public func dcs_instance_list_name(_ list: OpaquePointer?, _ index: UInt) -> UnsafePointer<CChar> {
    InstanceListBox.entry(list, index)?.name.borrowed ?? emptyCString
}

@_cdecl("dcs_instance_list_engine")
public func dcs_instance_list_engine(_ list: OpaquePointer?, _ index: UInt) -> UnsafePointer<CChar> {
    InstanceListBox.entry(list, index)?.engine.borrowed ?? emptyCString
}

@_cdecl("dcs_instance_list_engine_version")
public func dcs_instance_list_engine_version(_ list: OpaquePointer?, _ index: UInt) -> UnsafePointer<CChar> {
    InstanceListBox.entry(list, index)?.engineVersion.borrowed ?? emptyCString
}

@_cdecl("dcs_instance_list_status")
public func dcs_instance_list_status(_ list: OpaquePointer?, _ index: UInt) -> Int32 {
    InstanceListBox.entry(list, index)?.status.rawValue ?? InstanceStatus.other.rawValue
}

@_cdecl("dcs_instance_list_status_text")
public func dcs_instance_list_status_text(_ list: OpaquePointer?, _ index: UInt) -> UnsafePointer<CChar> {
    InstanceListBox.entry(list, index)?.statusText.borrowed ?? emptyCString
}

@_cdecl("dcs_instance_list_free")
public func dcs_instance_list_free(_ list: OpaquePointer?) {
    guard let list else { return }
    Unmanaged<InstanceListBox>.release(list)
}
