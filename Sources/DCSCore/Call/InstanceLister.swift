import DCSAPI

/// Which instances a listing selects; nil and empty select all.
public struct ListFilter: Sendable {
    public var name: String?
    public var nameExact = false
    public var status: String?
    public var tags: [(key: String, value: String)] = []

    public init(name: String? = nil, nameExact: Bool = false, status: String? = nil,
                tags: [(key: String, value: String)] = []) {
        self.name = name
        self.nameExact = nameExact
        self.status = status
        self.tags = tags
    }

    /// The listing's query pairs, but offset and limit.
    var queryPairs: [(String, String)] {
        var pairs: [(String, String)] = []
        if let name {
            pairs.append(("name", name))
            if nameExact { pairs.append(("name_equal", "true")) }
        }
        if let status { pairs.append(("status", status)) }
        if !tags.isEmpty { pairs.append(("tags", tags.map { "\($0.key)=\($0.value)" }.joined(separator: ","))) }
        return pairs
    }
}

/// One instance as a listing shows it.
public struct ListedInstance: Sendable, Equatable {
    public let id: String
    public let name: String
    public let status: InstanceStatus
    /// The status as the service spelled it: also one this version does not name.
    public let statusText: String
    public let engine: String
    public let engineVersion: String
}

/// Lists instances: `GET /v2/{project_id}/instances`, page after page until the service's count
/// is reached or a page comes back short. Whole or not at all: a page that fails fails the
/// listing, since a fleet read in part would be restarted in part.
struct InstanceLister: Sendable {
    let sender: RequestSender

    static let pageSize = 1000
    /// Past this many instances the service is taken to be wrong (it keeps sending full pages).
    static let maxInstances = 100_000
    /// A page of 1000 instances as the service describes them (some 40 members each) is a few MiB.
    static let maxPageBytes = 32 << 20

    /// Failures come unredacted: the caller redacts.
    func list(_ filter: ListFilter, control: CallControl) -> Result<[ListedInstance], CallFailure> {
        let path = "/v2/\(sender.configuration.projectID)/instances"
        var listed: [ListedInstance] = []
        var seen: Set<[UInt8]> = []
        var repeated = 0
        var offset = 0
        while true {
            let query = [("offset", String(offset)), ("limit", String(Self.pageSize))] + filter.queryPairs
            let what = "listing, instances \(offset + 1) to \(offset + Self.pageSize)"
            let sent = sender.send(.get, path: path, query: query, maxAnswerBytes: Self.maxPageBytes,
                                   control: control, what: what)
            let page: (instanceNum: Int?, entries: [AnswerDecoder.ListedEntry])
            switch Self.page(of: sent) {
            case let .success(read): page = read
            case let .failure(failure): return .failure(failure)
            }
            for entry in page.entries {
                // The fleet changed between two pages: an instance shifted onto the next one.
                guard seen.insert(Array(entry.id.utf8)).inserted else { repeated += 1; continue }
                listed.append(ListedInstance(id: entry.id, name: entry.name, status: InstanceStatus(serviceName: entry.status),
                                             statusText: entry.status, engine: entry.engine,
                                             engineVersion: entry.engineVersion))
            }
            guard listed.count <= Self.maxInstances else {
                return .failure(CallFailure(status: .protocolError, httpStatus: 200,
                                            message: "the listing goes past \(Self.maxInstances) instances: refused"))
            }
            offset += page.entries.count
            let end = page.entries.count < Self.pageSize || page.instanceNum.map { offset >= $0 } ?? false
            if end { break }
        }
        if repeated > 0 {
            sender.log(.warn, "the listing showed \(repeated) instances twice (the fleet changed while it was read): each kept once")
        }
        return .success(listed)
    }

    private static func page(of sent: RequestSender.Sent)
        -> Result<(instanceNum: Int?, entries: [AnswerDecoder.ListedEntry]), CallFailure> {
        sent.readAnswer(stopped: { $0 == .cancel ? "listing cancelled" : "the deadline passed during the listing" }) { answer in
            AnswerDecoder.instancePage(answer.http.body).map(Result.success) ?? .failure(CallFailure(
                status: .protocolError, httpStatus: answer.status,
                message: "the listing's answer (HTTP \(answer.status)) is not a page of instances", requestID: answer.requestID))
        }
    }
}

extension ListFilter {
    static let maxNameBytes = 255
    static let maxStatusBytes = 64
    static let maxTagKeyBytes = 128
    static let maxTagValueBytes = 255
    public static let maxTags = 20
    /// The longest any field (a whole "key=value" tag) can be.
    public static let maxFieldBytes = maxTagKeyBytes + 1 + maxTagValueBytes

    /// A filter from the caller's bytes, each field checked; `field` names a field in messages
    /// ("filter->name"). A tag is "key=value".
    public static func checked(name: [UInt8]?, nameExact: Bool, status: [UInt8]?, tags: [[UInt8]],
                               field: (String) -> String) throws(ArgumentError) -> ListFilter {
        var filter = ListFilter(nameExact: nameExact)
        // An exact match of no name would list every instance: surely not what was meant.
        if nameExact && name == nil {
            throw ArgumentError("\(field("name_exact")) is set but \(field("name")) is NULL: give the name to match")
        }
        if let name {
            filter.name = try text(name, field("name"), minBytes: 1, maxBytes: maxNameBytes)
        }
        if let status {
            let text = try text(status, field("status"), minBytes: 1, maxBytes: maxStatusBytes)
            guard status.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || $0 == UInt8(ascii: "_") }) else {
                throw ArgumentError("\(field("status")) is \"\(text)\": a status is upper-case letters and '_' (RUNNING)")
            }
            filter.status = text
        }
        guard tags.count <= maxTags else { throw ArgumentError("\(field("tag_count")) is \(tags.count): at most \(maxTags) tags") }
        for (index, tag) in tags.enumerated() {
            let name = field("tags[\(index)]")
            guard let equals = tag.firstIndex(of: UInt8(ascii: "=")) else {
                throw ArgumentError("\(name) has no '=': a tag is key=value")
            }
            let key = try text(Array(tag[..<equals]), "the key of \(name)", minBytes: 1, maxBytes: maxTagKeyBytes)
            let value = try text(Array(tag[(equals + 1)...]), "the value of \(name)", minBytes: 0, maxBytes: maxTagValueBytes)
            for part in [key, value] where part.contains(",") || part.contains("=") {
                throw ArgumentError("\(name) holds a second '=' or a ',': a tag is one key=value")
            }
            filter.tags.append((key, value))
        }
        return filter
    }

    private static func text(_ bytes: [UInt8], _ name: String, minBytes: Int, maxBytes: Int) throws(ArgumentError) -> String {
        guard bytes.count >= minBytes else { throw ArgumentError("\(name) is empty") }
        guard bytes.count <= maxBytes else { throw ArgumentError("\(name) is longer than \(maxBytes) bytes") }
        guard let text = UTF8Text.decode(bytes) else { throw ArgumentError("\(name) is not valid UTF-8") }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ArgumentError("\(name) holds a control character")
        }
        return text
    }
}
