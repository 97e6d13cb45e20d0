import DCSCore
#if canImport(Glibc)
import Glibc
#endif

// How Swift objects and strings cross the C boundary. Objects go out as opaque pointers
// retained once in their `_new` and released once in their `_free`; strings go out as copies
// the library owns and frees with their object.

extension Unmanaged {
    static func handOut(_ object: Instance) -> OpaquePointer {
        OpaquePointer(passRetained(object).toOpaque())
    }

    static func borrow(_ pointer: OpaquePointer) -> Instance {
        fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    static func release(_ pointer: OpaquePointer) {
        fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}

/// A NUL-terminated copy owned by the object holding it.
final class OwnedCString {
    let pointer: UnsafeMutablePointer<CChar>

    init?(_ text: String) {
        guard let copy = strdup(text) else { return nil }
        pointer = copy
    }

    deinit { free(pointer) }

    var borrowed: UnsafePointer<CChar> { UnsafePointer(pointer) }
}

/// A string that lives as long as the process: names and the version. Globals holding one are
/// `nonisolated(unsafe)`: written once by their initialiser, only read afterwards.
func staticCString(_ text: String) -> UnsafePointer<CChar> {
    // strdup fails only without memory at first use; "" then stands in, never NULL.
    UnsafePointer(strdup(text) ?? UnsafeMutablePointer(mutating: emptyCString))
}

nonisolated(unsafe) let emptyCString: UnsafePointer<CChar> = {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    buffer.initialize(to: 0)
    return UnsafePointer(buffer)
}()

/// Reads a caller's C string, never past `maxBytes + 1` bytes. Messages name `argument`.
func readCString(_ pointer: UnsafePointer<CChar>?, argument: String, maxBytes: Int) throws(ArgumentError) -> String {
    guard let pointer else { throw ArgumentError("\(argument) is NULL") }
    let length = strnlen(pointer, maxBytes + 1)
    guard length <= maxBytes else { throw ArgumentError("\(argument) is longer than \(maxBytes) bytes") }
    let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
    guard let text = UTF8Text.decode(bytes) else {
        throw ArgumentError("\(argument) is not valid UTF-8")
    }
    return text
}

/// Reads `count` ids from a caller's array, each at most one byte past the limit (so that the
/// limit can be reported); their content is checked by `InstanceIDs.validate`.
func readInstanceIDs(_ ids: UnsafePointer<UnsafePointer<CChar>?>?, count: UInt) throws(ArgumentError) -> [String] {
    try readInstanceIDs(ids, count: count) { "instance_ids[\($0)]" }
}

/// The same, the messages naming each id as `naming` says.
func readInstanceIDs(_ ids: UnsafePointer<UnsafePointer<CChar>?>?, count: UInt,
                     naming: (Int) -> String) throws(ArgumentError) -> [String] {
    try InstanceIDs.checkCount(count)
    guard let ids else { throw ArgumentError("instance_ids is NULL") }
    var raw: [[UInt8]] = []
    raw.reserveCapacity(Int(count))
    for index in 0..<Int(count) {
        guard let id = ids[index] else { throw ArgumentError("\(naming(index)) is NULL") }
        let length = strnlen(id, InstanceIDs.maxBytes + 1)
        raw.append(Array(UnsafeRawBufferPointer(start: id, count: length)))
    }
    return try InstanceIDs.validate(raw, naming: naming)
}

/// Bounds for strings that are not instance ids.
enum ArgumentLimits {
    static let url = 2048
    static let shortText = 256
    static let token = Credentials.maxTokenBytes
    static let path = 4096
}

/// Stores the failure (or nil) in the caller's `err` and returns the status code.
func finish(_ status: CallStatus, _ failure: CallFailure?, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let err else { return status.rawValue }
    guard let failure, status != .ok else {
        err.pointee = nil
        return status.rawValue
    }
    guard let box = ErrorBox(failure) else {
        err.pointee = nil
        return CallStatus.outOfMemory.rawValue
    }
    err.pointee = Unmanaged.handOut(box)
    return status.rawValue
}

func finish(_ failure: CallFailure, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    finish(failure.status, failure, err)
}

func finish(_ error: ArgumentError, _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    finish(.invalidArgument(error.message), err)
}
