import DCSAPI
import FoundationEssentials

/// Reads the service's answers: the per-instance results of a 200, the error body of the rest.
enum AnswerDecoder {
    /// One decoder for every answer (it is thread-safe).
    static let decoder = JSONDecoder()

    /// The shape of a 200, for JSONDecoder (see ResultsScanner).
    struct Results: Decodable {
        struct Entry: Decodable {
            let instance: String
            let result: String
        }
        let results: [Entry]
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
        let entries = try ResultsScanner.entries(body)
            ?? decoder.decode(Results.self, from: Data(body)).results.map { ($0.instance, $0.result) }
        var read = ReadResults(outcomes: [], complete: true, repeated: [], unasked: [])
        let results: [String?]
        // The service answers in the order asked: then no lookup is needed.
        if entries.count == ids.count, zip(entries, ids).allSatisfy({ $0.0.utf8.elementsEqual($1.utf8) }) {
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
    static func instanceStatus(body: [UInt8]) -> InstanceStatus? {
        struct Instance: Decodable { let status: String }
        return (try? decoder.decode(Instance.self, from: Data(body))).map { InstanceStatus(serviceName: $0.status) }
    }

    private struct ErrorBody: Decodable {
        struct Nested: Decodable {
            let code: String?
            let message: String?
        }
        let error_code: String?
        let error_msg: String?
        let request_id: String?
        let error: Nested?
    }

    /// The error code and message of a non-2xx answer. A body that is not a DCS error (an HTML
    /// page from a proxy, say) still gives a readable message: its text, cut short.
    /// Every text is redacted before it is cut short, so that no cut leaves a piece of a secret
    /// the redactor would no longer recognise.
    static func errorDetails(body: [UInt8], contentType: String, redactor: SecretRedactor) -> ErrorDetails {
        func shown(_ text: String, _ maxCharacters: Int) -> String {
            Printable.clip(redactor.redact(text), maxCharacters: maxCharacters)
        }
        if let parsed = try? decoder.decode(ErrorBody.self, from: Data(body)) {
            let code = parsed.error_code ?? parsed.error?.code ?? ""
            let message = parsed.error_msg ?? parsed.error?.message ?? ""
            if !code.isEmpty || !message.isEmpty {
                return ErrorDetails(code: shown(code, 64), message: shown(message, 1024),
                                    requestID: shown(parsed.request_id ?? "", 128))
            }
        }
        let kind = contentType.isEmpty ? "an answer" : "a \(shown(contentType, 64)) answer"
        guard !body.isEmpty else { return ErrorDetails(code: "", message: "\(kind) with an empty body", requestID: "") }
        let text = shown(Printable.textOfMarkup(String(decoding: body.prefix(4096), as: UTF8.self)), 200)
        return ErrorDetails(code: "", message: "\(kind) that is not a DCS error (\(body.count) bytes): \(text)", requestID: "")
    }
}
