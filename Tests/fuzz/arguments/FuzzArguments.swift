// libFuzzer target: any bytes as arguments of the C entry points, called as a C program would
// call them: config setters, client creation, and an operation. Built with
// -sanitize=fuzzer and -D DCS_FUZZ (scripts/fuzz.sh), libFuzzer drives it; built plainly, it replays
// the files it is given, so that the committed corpus runs as a regression test.
import struct CDCS.dcs_list_filter
import DCS
import DCSFuzzSupport
#if canImport(Glibc)
import Glibc
#endif

/// Input: one byte of flags, then NUL-separated fields: endpoint, region, project id, AK, SK,
/// security token, IAM token, CA file, then instance ids. A flag bit turns a field into NULL.
/// The ids serve as a listing's filter too: name, status, then tags.
func exercise(_ input: [UInt8]) {
    guard let flags = input.first else { return }
    let fields = input.dropFirst().split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
    func field(_ index: Int) -> [UInt8]? { index < fields.count ? fields[index] : nil }

    let strings = CStrings()
    defer { strings.free() }
    func text(_ index: Int, nullBit: UInt8) -> UnsafePointer<CChar>? {
        flags & nullBit != 0 ? nil : strings.make(field(index) ?? [])
    }

    guard let cfg = dcs_config_new() else { fatalError("dcs_config_new returned NULL") }
    defer { dcs_config_free(cfg) }
    // A client that can only be refused fast: nothing valid is ever sent anywhere.
    _ = dcs_config_set_endpoint(cfg, "http://127.0.0.1:1")
    _ = dcs_config_set_project_id(cfg, "p")
    _ = dcs_config_set_credentials(cfg, "ak", "sk", nil)
    _ = dcs_config_set_max_retries(cfg, 0)
    func checkSetter(_ status: Int32) {
        require(status == 0 || status == -1, "a setter returns DCS_OK or DCS_EINVAL")
        require((status == 0) == (dcs_config_error(cfg).pointee == 0), "a refused setter says why, no other")
    }
    checkSetter(dcs_config_set_endpoint(cfg, text(0, nullBit: 1)))
    checkSetter(dcs_config_set_region(cfg, text(1, nullBit: 2)))
    checkSetter(dcs_config_set_project_id(cfg, text(2, nullBit: 4)))
    checkSetter(dcs_config_set_credentials(cfg, text(3, nullBit: 8), text(4, nullBit: 8), text(5, nullBit: 16)))
    checkSetter(dcs_config_set_ca_file(cfg, text(7, nullBit: 32)))
    if flags & 64 != 0 { checkSetter(dcs_config_set_auth_token(cfg, text(6, nullBit: 128))) }
    // The fuzzed endpoint may point anywhere: only the refused loopback port is called.
    _ = dcs_config_set_endpoint(cfg, "http://127.0.0.1:1")
    _ = dcs_config_set_ca_file(cfg, nil)

    var client: OpaquePointer?
    var error: OpaquePointer?
    let status = dcs_client_new(cfg, &client, &error)
    require((status == 0) == (client != nil), "a client exactly when DCS_OK")
    require(status == 0 || dcs_error_message(error).pointee != 0, "a refused client says why")
    dcs_error_free(error)
    guard let client else { return }
    defer { dcs_client_free(client) }

    let idFields = fields.count > 8 ? Array(fields[8...]) : []
    var ids: [UnsafePointer<CChar>?] = idFields.enumerated().map { index, bytes in
        flags & 128 != 0 && index == 1 ? nil : strings.make(bytes)
    }
    var results: OpaquePointer?
    let count = UInt(ids.count)
    let callStatus = ids.withUnsafeMutableBufferPointer { buffer in
        dcs_restart(client, UnsafePointer(buffer.baseAddress), count, &results, &error)
    }
    defer {
        dcs_results_free(results)
        dcs_error_free(error)
    }
    // Refused before sending, or refused by the closed port: never anything else.
    require(callStatus == -1 || callStatus == -3, "DCS_EINVAL or DCS_ETRANSPORT, got \(callStatus)")
    require(dcs_error_message(error).pointee != 0, "a message")
    if callStatus == -1 {
        require(results == nil, "no results for a refused call")
    } else {
        require(dcs_results_count(results) == count, "one result per id")
        var outcome: Int32 = -1
        while dcs_results_next(results, nil, &outcome) != 0 {
            require(outcome == 2, "a refused connection sent nothing")
        }
    }
    ids.removeAll()
    list(client, idFields, strings: strings, exactName: flags & 1 != 0)
}

/// A listing with the fields as its filter: refused before sending, or by the closed port.
func list(_ client: OpaquePointer, _ fields: [[UInt8]], strings: CStrings, exactName: Bool) {
    var tags: [UnsafePointer<CChar>?] = fields.dropFirst(2).map { strings.make($0) }
    var list: OpaquePointer?
    var error: OpaquePointer?
    let status = tags.withUnsafeMutableBufferPointer { buffer in
        var filter = dcs_list_filter(version: 1, name: fields.first.map { strings.make($0) }, name_exact: exactName ? 1 : 0,
                                     status: fields.count > 1 ? strings.make(fields[1]) : nil,
                                     tags: UnsafePointer(buffer.baseAddress), tag_count: buffer.count)
        return dcs_list_instances(client, &filter, nil, &list, &error)
    }
    defer { dcs_error_free(error) }
    require(status == -1 || status == -3, "a listing: DCS_EINVAL or DCS_ETRANSPORT, got \(status)")
    require(list == nil, "no list for a refused listing")
    require(dcs_error_message(error).pointee != 0, "a listing's message")
}

func require(_ condition: Bool, _ what: String) {
    if !condition { fatalError("invariant broken: \(what)") }
}

/// NUL-terminated copies of raw bytes, freed together.
final class CStrings {
    private var buffers: [UnsafeMutablePointer<CChar>] = []

    func make(_ bytes: [UInt8]) -> UnsafePointer<CChar> {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        buffer[bytes.count] = 0
        buffers.append(buffer)
        return UnsafePointer(buffer)
    }

    func free() {
        buffers.forEach { $0.deallocate() }
        buffers.removeAll()
    }
}

/// The fuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    exercise(FuzzEntry.bytes(data, size))
    return 0
}

@main
struct FuzzTarget {
    static func main() { FuzzEntry.main(callback: fuzzOneInput, target: exercise) }
}
