import DCSAPI

/// Reads the service's answers: the per-instance results of a 200, the error body of the rest,
/// an instance's status. Without Foundation: ResultsScanner reads the results of practice, and
/// JSONCursor every shape. JSONDecoder, the authority, reads them alike (unit tests,
/// `dcs-fuzz-answers`), by the Decodable shapes each function names.
enum AnswerDecoder {
    /// `{"results": [{"instance": "...", "result": "..."}, ...]}`, other members ignored; nil for
    /// anything else. Decodable: `struct { let results: [struct { let instance, result: String }] }`.
    static func resultEntries(_ body: [UInt8]) -> [(instance: String, result: String)]? {
        if let entries = ResultsScanner.entries(body) { return entries }
        return JSONCursor.read(body) { (cursor: inout JSONCursor) throws(JSONCursor.Refused) in
            var entries: [(instance: String, result: String)]?
            try cursor.object { (key: String, cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                guard key == "results" else { return try cursor.skipValue() }
                var read: [(instance: String, result: String)] = []
                try cursor.array { (cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                    var instance: String?, result: String?
                    try cursor.object { (key: String, cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                        switch key {
                        case "instance": instance = try cursor.string()
                        case "result": result = try cursor.string()
                        default: try cursor.skipValue()
                        }
                    }
                    guard let instance, let result else { throw JSONCursor.Refused() }
                    read.append((instance, result))
                }
                entries = read
            }
            guard let entries else { throw JSONCursor.Refused() }
            return entries
        }
    }

    /// What a 2xx answer says of the ids asked for.
    struct ReadResults {
        /// One per id asked for: `.unknown` for an id the answer leaves out, lists more than once,
        /// or gives a result other than "success" or "failed".
        var outcomes: [InstanceOutcome]
        /// Every id asked for has exactly one entry with a known result.
        var complete: Bool
        /// Ids the answer lists more than once: it does not say what happened to them.
        var repeated: [String]
        /// Ids in the answer that were not asked for: they change no outcome.
        var unasked: [String]
    }

    /// The outcome of each id of `ids`, from a 2xx body. Ids are compared as bytes: two
    /// spellings of one text (NFC and NFD, say) are different instances. Throws when the body
    /// is not the expected JSON.
    static func outcomes(for ids: ArraySlice<String>, body: [UInt8]) throws -> ReadResults {
        guard let entries = resultEntries(body) else { throw JSONCursor.Refused() }
        var read = ReadResults(outcomes: [], complete: true, repeated: [], unasked: [])
        let results: [String?]
        // The service answers in the order asked: then no lookup is needed.
        if entries.count == ids.count, zip(entries, ids).allSatisfy({ UTF8Text.sameBytes($0.0, $1) }) {
            results = entries.map(\.1)
        } else {
            var asked: Set<[UInt8]> = []
            asked.reserveCapacity(ids.count)
            for id in ids { asked.insert(Array(id.utf8)) }
            var resultByID: [[UInt8]: String] = [:]
            var repeated: Set<[UInt8]> = []
            resultByID.reserveCapacity(entries.count)
            for (instance, result) in entries {
                let key = Array(instance.utf8)
                guard asked.contains(key) else {
                    read.unasked.append(instance)
                    continue
                }
                if resultByID.updateValue(result, forKey: key) != nil, repeated.insert(key).inserted {
                    read.repeated.append(instance)
                }
            }
            results = ids.map { id in
                let key = Array(id.utf8)
                return repeated.contains(key) ? nil : resultByID[key]
            }
        }
        read.outcomes = results.map { result -> InstanceOutcome in
            switch result {
            case "success": return .success
            case "failed": return .failed
            default:
                read.complete = false
                return .unknown
            }
        }
        return read
    }

    /// The `status` of a `GET /v2/{project_id}/instances/{id}` answer; nil when it has none.
    /// Decodable: `struct { let status: String }`.
    static func instanceStatus(body: [UInt8]) -> InstanceStatus? {
        JSONCursor.read(body) { (cursor: inout JSONCursor) throws(JSONCursor.Refused) in
            var status: String?
            try cursor.object { (key: String, cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                if key == "status" { status = try cursor.string() } else { try cursor.skipValue() }
            }
            guard let status else { throw JSONCursor.Refused() }
            return InstanceStatus(serviceName: status)
        }
    }

    /// The members of a DCS or gateway error body, each optional. Decodable: `struct { let
    /// error_code, error_msg, request_id: String?; let error: struct { let code, message:
    /// String? }? }`.
    struct ErrorBody: Equatable {
        var errorCode, errorMessage, requestID, nestedCode, nestedMessage: String?
    }

    static func errorBody(_ body: [UInt8]) -> ErrorBody? {
        JSONCursor.read(body) { (cursor: inout JSONCursor) throws(JSONCursor.Refused) in
            var parsed = ErrorBody()
            try cursor.object { (key: String, cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                switch key {
                case "error_code": parsed.errorCode = try cursor.optionalString()
                case "error_msg": parsed.errorMessage = try cursor.optionalString()
                case "request_id": parsed.requestID = try cursor.optionalString()
                case "error":
                    guard try !cursor.takeNull() else { return }
                    try cursor.object { (key: String, cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                        switch key {
                        case "code": parsed.nestedCode = try cursor.optionalString()
                        case "message": parsed.nestedMessage = try cursor.optionalString()
                        default: try cursor.skipValue()
                        }
                    }
                default: try cursor.skipValue()
                }
            }
            return parsed
        }
    }

    /// The error code and message of a non-2xx answer. A body that is not a DCS error (an HTML
    /// page from a proxy, say) still gives a readable message: its text, cut short.
    /// Every text is redacted before it is cut short, so that no cut leaves a piece of a secret
    /// the redactor would no longer recognise.
    static func errorDetails(body: [UInt8], contentType: String, redactor: SecretRedactor) -> ErrorDetails {
        func shown(_ text: String, _ maxCharacters: Int) -> String {
            Printable.clip(redactor.redact(text), maxCharacters: maxCharacters)
        }
        if let parsed = errorBody(body) {
            let code = parsed.errorCode ?? parsed.nestedCode ?? ""
            let message = parsed.errorMessage ?? parsed.nestedMessage ?? ""
            if !code.isEmpty || !message.isEmpty {
                return ErrorDetails(code: shown(code, 64), message: shown(message, 1024),
                                    requestID: shown(parsed.requestID ?? "", 128))
            }
        }
        let kind = contentType.isEmpty ? "an answer" : "a \(shown(contentType, 64)) answer"
        guard !body.isEmpty else { return ErrorDetails(code: "", message: "\(kind) with an empty body", requestID: "") }
        let text = shown(Printable.textOfMarkup(String(decoding: body.prefix(4096), as: UTF8.self)), 200)
        return ErrorDetails(code: "", message: "\(kind) that is not a DCS error (\(body.count) bytes): \(text)", requestID: "")
    }
}

extension AnswerDecoder {
    /// One instance of a listing page; a member the answer lacks (or gives as null) is "".
    struct ListedEntry: Equatable {
        var id = "", name = "", status = "", engine = "", engineVersion = ""
    }

    /// One page of `GET /v2/{project_id}/instances`: `{"instance_num": N, "instances": [{...}]}`,
    /// other members ignored; `instanceNum` nil when absent or null. nil for anything else, and for
    /// an instance without an `instance_id`. Decodable: `struct { let instance_num: Int?; let
    /// instances: [struct { let instance_id: String; let name, status, engine, engine_version:
    /// String? }] }`.
    static func instancePage(_ body: [UInt8]) -> (instanceNum: Int?, entries: [ListedEntry])? {
        JSONCursor.read(body) { (cursor: inout JSONCursor) throws(JSONCursor.Refused) in
            var instanceNum: Int?
            var entries: [ListedEntry]?
            try cursor.object { (key: String, cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                switch key {
                case "instance_num":
                    if try cursor.takeNull() { return }
                    instanceNum = try cursor.integer()
                case "instances":
                    var read: [ListedEntry] = []
                    try cursor.array { (cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                        var entry = ListedEntry()
                        var hasID = false
                        try cursor.object { (key: String, cursor: inout JSONCursor) throws(JSONCursor.Refused) in
                            switch key {
                            case "instance_id": entry.id = try cursor.string(); hasID = true
                            case "name": entry.name = try cursor.optionalString() ?? ""
                            case "status": entry.status = try cursor.optionalString() ?? ""
                            case "engine": entry.engine = try cursor.optionalString() ?? ""
                            case "engine_version": entry.engineVersion = try cursor.optionalString() ?? ""
                            default: try cursor.skipValue()
                            }
                        }
                        guard hasID else { throw JSONCursor.Refused() }
                        read.append(entry)
                    }
                    entries = read
                default:
                    try cursor.skipValue()
                }
            }
            guard let entries else { throw JSONCursor.Refused() }
            return (instanceNum, entries)
        }
    }
}
