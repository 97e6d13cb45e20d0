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

    /// The outcome of each id of `ids`, from a 2xx body; `complete` is false when an id is
    /// missing from the answer or its result is neither "success" nor "failed" (its outcome
    /// is then `.unknown`). Throws when the body is not the expected JSON.
    static func outcomes(for ids: ArraySlice<String>, body: [UInt8]) throws -> (outcomes: [InstanceOutcome], complete: Bool) {
        let entries = try ResultsScanner.entries(body)
            ?? decoder.decode(Results.self, from: Data(body)).results.map { ($0.instance, $0.result) }
        // The service answers in the order asked: then no lookup is needed.
        let results: [String?]
        if entries.count == ids.count, zip(entries, ids).allSatisfy({ $0.0 == $1 }) {
            results = entries.map(\.1)
        } else {
            var resultByID: [String: String] = [:]
            resultByID.reserveCapacity(entries.count)
            for entry in entries where resultByID[entry.0] == nil {
                resultByID[entry.0] = entry.1
            }
            results = ids.map { resultByID[$0] }
        }
        var complete = true
        let outcomes = results.map { result -> InstanceOutcome in
            switch result {
            case "success": return .success
            case "failed": return .failed
            default:
                complete = false
                return .unknown
            }
        }
        return (outcomes, complete)
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
    static func errorDetails(body: [UInt8], contentType: String) -> ErrorDetails {
        if let parsed = try? decoder.decode(ErrorBody.self, from: Data(body)) {
            let code = parsed.error_code ?? parsed.error?.code ?? ""
            let message = parsed.error_msg ?? parsed.error?.message ?? ""
            if !code.isEmpty || !message.isEmpty {
                return ErrorDetails(code: Printable.clip(code, maxCharacters: 64),
                                    message: Printable.clip(message, maxCharacters: 1024),
                                    requestID: Printable.clip(parsed.request_id ?? "", maxCharacters: 128))
            }
        }
        let kind = contentType.isEmpty ? "an answer" : "a \(Printable.clip(contentType, maxCharacters: 64)) answer"
        guard !body.isEmpty else { return ErrorDetails(code: "", message: "\(kind) with an empty body", requestID: "") }
        let text = Printable.clip(Printable.textOfMarkup(String(decoding: body.prefix(4096), as: UTF8.self)),
                                  maxCharacters: 200)
        return ErrorDetails(code: "", message: "\(kind) that is not a DCS error (\(body.count) bytes): \(text)", requestID: "")
    }
}
