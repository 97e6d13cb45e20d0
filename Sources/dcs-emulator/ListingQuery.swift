/// The query of `GET /v2/{project_id}/instances`: which instances, and which page of them.
///
/// Every filter is optional and they combine (an instance must pass all of them); an empty value
/// is no filter; the first of repeated parameters counts; parameters the emulator does not know
/// are ignored, as the service ignores them. Comparisons are byte for byte, case-sensitive.
struct ListingQuery {
    static let defaultLimit = 10
    static let limits = 1...1000
    /// The code of a refused query: the emulator's choice, the reference gives none.
    static let refusalCode = "DCS.4800"

    var offset = 0
    var limit = defaultLimit
    /// Contained in the name, or with `nameEqual` the whole name.
    var name: String?
    var nameEqual = false
    var status: String?
    /// An instance must carry every one of them.
    var tags: [InstanceTag] = []
    var instanceID: String?
    var ip: String?
    /// Without it, instances whose creation failed (CREATEFAILED) are left out, as by the service.
    var includeFailure = false

    struct Refusal: Error {
        let message: String
    }

    /// Reads percent-decoded query pairs; refuses an `offset` or `limit` that is not a whole
    /// number in range, and `tags` that are not `key=value[,key=value...]` with non-empty keys.
    init(_ pairs: [(String, String)]) throws(Refusal) {
        func value(_ name: String) -> String? {
            guard let value = pairs.first(where: { $0.0 == name })?.1, !value.isEmpty else { return nil }
            return value
        }
        if let text = value("offset") {
            guard let number = Self.wholeNumber(text) else {
                throw Refusal(message: "offset must be a whole number from 0, got \(Self.quoted(text))")
            }
            offset = number
        }
        if let text = value("limit") {
            guard let number = Self.wholeNumber(text), Self.limits.contains(number) else {
                throw Refusal(message: "limit must be a whole number in \(Self.limits.lowerBound)..."
                              + "\(Self.limits.upperBound), got \(Self.quoted(text))")
            }
            limit = number
        }
        name = value("name")
        nameEqual = value("name_equal") == "true"
        status = value("status")
        instanceID = value("instance_id")
        ip = value("ip")
        includeFailure = value("include_failure") == "true"
        if let text = value("tags") {
            tags = try text.split(separator: ",", omittingEmptySubsequences: false).map { pair throws(Refusal) in
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw Refusal(message: "tags must be key=value pairs separated by commas, got \(Self.quoted(text))")
                }
                return InstanceTag(key: String(pair[..<equals]), value: String(pair[pair.index(after: equals)...]))
            }
        }
    }

    /// A given value as a refusal quotes it: the start of a long one only (error_msg holds 1024).
    private static func quoted(_ text: String) -> String {
        text.count > 64 ? String(text.prefix(64)) + "..." : text
    }

    /// Only ASCII digits (no sign, no space), and not so many that they overflow.
    private static func wholeNumber(_ text: String) -> Int? {
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(text)
    }

    func selects(_ instance: InstanceDescription) -> Bool {
        let view = instance.view
        if !includeFailure && view.status == "CREATEFAILED" { return false }
        if let name {
            let matches = nameEqual ? Self.same(view.spec.name, name) : Self.contains(view.spec.name, name)
            guard matches else { return false }
        }
        if let status, !Self.same(view.status, status) { return false }
        if let instanceID, !Self.same(view.spec.id, instanceID) { return false }
        if let ip, !Self.same(instance.ip, ip) { return false }
        return tags.allSatisfy { wanted in
            view.spec.tags.contains { Self.same($0.key, wanted.key) && Self.same($0.value, wanted.value) }
        }
    }

    /// The page of `instances` (already selected, in the service's order) this query asks for.
    func page<Element>(of instances: [Element]) -> ArraySlice<Element> {
        let start = min(offset, instances.count)
        return instances[start..<min(start + limit, instances.count)]
    }

    /// Byte for byte: Swift's `==` would also match a canonically equivalent spelling.
    private static func same(_ left: String, _ right: String) -> Bool { left.utf8.elementsEqual(right.utf8) }

    private static func contains(_ text: String, _ part: String) -> Bool {
        let haystack = Array(text.utf8), needle = Array(part.utf8)
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }
}
