/// The rules an instance id must meet before anything is sent.
public enum InstanceIDs {
    public static let maxBytes = 128
    public static let maxPerCall = 10_000

    /// Checks the raw bytes of each id; the messages name `instance_ids[i]`.
    /// Checked before the ids are read, so that a wild count never walks off a caller's array.
    public static func checkCount(_ count: UInt) throws(ArgumentError) {
        guard count > 0 else { throw ArgumentError("count is 0: give at least one instance id") }
        guard count <= UInt(maxPerCall) else {
            throw ArgumentError("count is \(count), more than the \(maxPerCall) ids one call takes")
        }
    }

    /// `naming` gives the name of the id at an index, as messages show it.
    public static func validate(_ rawIDs: [[UInt8]], naming: (Int) -> String = { "instance_ids[\($0)]" })
        throws(ArgumentError) -> [String] {
        try checkCount(UInt(rawIDs.count))
        var ids: [String] = []
        ids.reserveCapacity(rawIDs.count)
        // Repeats, by bytes (two spellings of one text are two ids, as they are to the service):
        // a scan of the earlier ids while they are few, a table beyond that.
        let useTable = rawIDs.count > 16
        var firstIndex: [[UInt8]: Int] = useTable ? Dictionary(minimumCapacity: rawIDs.count) : [:]
        for (index, bytes) in rawIDs.enumerated() {
            func name() -> String { naming(index) }
            guard !bytes.isEmpty else { throw ArgumentError("\(name()) is empty") }
            guard bytes.count <= maxBytes else { throw ArgumentError("\(name()) is longer than \(maxBytes) bytes") }
            guard let id = UTF8Text.decode(bytes) else {
                throw ArgumentError("\(name()) is not valid UTF-8")
            }
            // Control characters: C0 and DEL in ASCII; in other text, C1 too (Unicode's Cc).
            // The ASCII check alone runs for the ids of practice.
            let ascii = bytes.allSatisfy { $0 < 0x80 }
            if let control = ascii
                ? bytes.first(where: { $0 < 0x20 || $0 == 0x7f }).map({ UInt32($0) })
                : id.unicodeScalars.first(where: { $0.properties.generalCategory == .control })?.value {
                throw ArgumentError("\(name()) holds a control character (U+\(hex4(control)))")
            }
            if PathSegment.isDotSegment(bytes) {
                throw ArgumentError("\(name()) is \"\(id)\", which a URL path reads as a step, not a name")
            }
            if let earlier = useTable ? firstIndex[bytes] : rawIDs[..<index].firstIndex(of: bytes) {
                throw ArgumentError("\(name()) repeats \(naming(earlier)): each instance may appear once")
            }
            if useTable { firstIndex[bytes] = index }
            ids.append(id)
        }
        return ids
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
