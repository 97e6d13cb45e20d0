import DCSSigning
import NIOCore

/// One request as the emulator received it: everything a check, the recorder or a fault needs,
/// with the path, query and headers exactly as they came over the wire.
struct ReceivedRequest: Sendable {
    let method: String
    /// The raw path, before any percent-decoding (the signature covers it as sent).
    let path: String
    /// The raw query string without its `?`; empty when there is none.
    let query: String
    /// Headers in arrival order, names as the client spelled them.
    let headers: [(name: String, value: String)]
    let body: [UInt8]
    /// The body went over the 1 MiB limit; `body` then holds nothing.
    let bodyTooLarge: Bool

    init(method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8],
         bodyTooLarge: Bool) {
        self.method = method
        if let mark = uri.firstIndex(of: "?") {
            path = String(uri[..<mark])
            query = String(uri[uri.index(after: mark)...])
        } else {
            path = uri
            query = ""
        }
        self.headers = headers
        self.body = body
        self.bodyTooLarge = bodyTooLarge
    }

    /// The first value of a header; `name` in lower case, matched case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    /// The raw path split at `/` and each segment percent-decoded on its own, so that an id
    /// holding an encoded `/` stays one segment.
    var pathSegments: [String] {
        path.split(separator: "/", omittingEmptySubsequences: false).map { PercentEncoding.decode(String($0)) }
    }

    /// Query pairs, percent-decoded, in arrival order: what the signer canonicalises.
    var queryPairs: [(String, String)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (PercentEncoding.decode(String(pair[..<equals])),
                        PercentEncoding.decode(String(pair[pair.index(after: equals)...])))
            }
            return (PercentEncoding.decode(String(pair)), "")
        }
    }
}

/// What the emulator does in answer to a request. Most answers are `.full`; the others are the
/// socket-level misbehaviours that fault injection asks for.
indirect enum Reply: Sendable {
    /// A complete answer with `Content-Length`.
    case full(status: Int, contentType: String, headers: [(String, String)], body: [UInt8])
    /// Close the connection without answering (a TCP reset when the socket allows it).
    case reset
    /// Headers promising `body.count` bytes, then only the first `sentBytes` of them, then close.
    case truncated(status: Int, body: [UInt8], sentBytes: Int)
    /// A JSON body of exactly `bytes` bytes, written in chunks as the socket drains; with
    /// `chunked`, in HTTP chunked encoding without a Content-Length.
    case huge(bytes: Int, chunked: Bool)
    /// `reply`, after `milliseconds`.
    case delayed(milliseconds: Int, Reply)
    /// The reply once work off the event loop (a FLUSHALL) is done.
    case deferred(EventLoopFuture<Reply>)

    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> Reply {
        .full(status: status, contentType: "application/json", headers: headers, body: value.serialized)
    }

    /// The error body every DCS and gateway error has.
    static func error(_ status: Int, code: String, message: String, headers: [(String, String)] = []) -> Reply {
        json(status, .object([("error_code", .string(code)), ("error_msg", .string(message)),
                              ("error_ext_msg", .null)]), headers: headers)
    }
}
