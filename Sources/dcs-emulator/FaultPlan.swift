import Synchronization

/// A misbehaviour the emulator can put on an API request instead of (or on top of) its answer.
enum Fault: Sendable {
    case status500
    case status503(retryAfter: Int)
    case status429(retryAfter: Int)
    case html502
    /// Acts on the request at once, answers after `milliseconds`.
    case delay(milliseconds: Int)
    case reset
    case truncated
    case notJSON
    case wrongTypes
    /// A 200 whose body is `bytes` long, announced with Content-Length, or sent in chunks
    /// without a length (so that a client cannot refuse it before reading).
    case huge(bytes: Int, chunked: Bool)
    /// A 502 whose error message quotes every request header back, as a broken gateway might:
    /// whatever the client shows of it must not give away its credentials.
    case echoHeaders
    /// A 400 busy refusal (nothing done) with `code`: DCS.4111 (restarting) unless told, any of
    /// `BusyRefusal.operations` or another code of the service's shape.
    case busy(code: String)
    case missingResults
    /// Checks the request as usual, acts on nothing, answers `failed` for every id.
    case allFailed
    /// An error answer that quotes a piece of the request's credentials (its X-Security-Token or
    /// X-Auth-Token, or the Signature of its Authorization): `length` characters (0: to the end)
    /// from `offset`, in one field the client copies: the body's error_msg, error_code or
    /// request_id, the X-Request-Id or Content-Type header, or the text of an HTML page.
    case echoSecret(source: EchoSource, field: EchoField, offset: Int, length: Int)
    /// Acts as usual, but the 200 lists the first id twice: first as the service decided, then
    /// the other way.
    case repeatedResult
    /// Acts as usual, and the 200 also lists an id nobody asked for.
    case unaskedResult
    /// A 200 with a header of `bytes` bytes.
    case hugeHeader(bytes: Int)
    /// 400 with `message` as its error_msg, as given.
    case errorText(String)

    enum EchoSource: String, Sendable, CaseIterable { case token, signature }
    enum EchoField: String, Sendable, CaseIterable {
        case errorMsg = "error_msg", errorCode = "error_code", bodyRequestID = "body_request_id"
        case requestID = "request_id", contentType = "content_type", html
    }

    static let kinds = ["status500", "status503", "status429", "html502", "delay", "reset", "truncated",
                        "not_json", "wrong_types", "huge", "huge_chunked", "missing_results", "all_failed",
                        "echo_headers", "busy", "echo_secret", "repeated_result", "unasked_result",
                        "huge_header", "error_text"]

    var kind: String {
        switch self {
        case .status500: "status500"
        case .status503: "status503"
        case .status429: "status429"
        case .html502: "html502"
        case .delay: "delay"
        case .reset: "reset"
        case .truncated: "truncated"
        case .notJSON: "not_json"
        case .wrongTypes: "wrong_types"
        case .huge(_, let chunked): chunked ? "huge_chunked" : "huge"
        case .echoHeaders: "echo_headers"
        case .busy: "busy"
        case .missingResults: "missing_results"
        case .allFailed: "all_failed"
        case .echoSecret: "echo_secret"
        case .repeatedResult: "repeated_result"
        case .unaskedResult: "unasked_result"
        case .hugeHeader: "huge_header"
        case .errorText: "error_text"
        }
    }

    /// The parameters, as `POST /_emulator/faults` takes them and `GET` shows them.
    var parameters: [(String, JSONValue)] {
        switch self {
        case .status503(let seconds), .status429(let seconds): [("retry_after", .number(Double(seconds)))]
        case .delay(let milliseconds): [("ms", .number(Double(milliseconds)))]
        case .huge(let bytes, _): [("mb", .number(Double(bytes) / Double(Fault.mebibyte)))]
        case .hugeHeader(let bytes): [("bytes", .number(Double(bytes)))]
        case .errorText(let message): [("message", .string(message))]
        case .busy(let code): [("code", .string(code))]
        case .echoSecret(let source, let field, let offset, let length):
            [("source", .string(source.rawValue)), ("field", .string(field.rawValue)),
             ("offset", .number(Double(offset))), ("length", .number(Double(length)))]
        default: []
        }
    }

    static let mebibyte = 1 << 20

    /// Builds a fault from its kind and parameters; `parameters` holds only the extra members
    /// (`retry_after`, `ms`, `mb`, `code` ...), and one the kind does not take is an error.
    init(kind: String, parameters: [(String, JSONValue)]) throws(FaultSpecError) {
        var remaining = parameters
        func take(_ name: String, default fallback: Double, range: ClosedRange<Double>,
                  integral: Bool) throws(FaultSpecError) -> Double {
            guard let position = remaining.firstIndex(where: { $0.0 == name }) else { return fallback }
            let value = remaining.remove(at: position).1
            guard let number = value.numberValue, range.contains(number),
                  !integral || number == number.rounded() else {
                throw FaultSpecError("\(name) must be a\(integral ? "n integer" : " number") in \(range)")
            }
            return number
        }
        switch kind {
        case "status500": self = .status500
        case "status503":
            self = .status503(retryAfter: Int(try take("retry_after", default: 1, range: 0...86_400, integral: true)))
        case "status429":
            self = .status429(retryAfter: Int(try take("retry_after", default: 1, range: 0...86_400, integral: true)))
        case "html502": self = .html502
        case "delay":
            self = .delay(milliseconds: Int(try take("ms", default: 1000, range: 0...600_000, integral: true)))
        case "reset": self = .reset
        case "truncated": self = .truncated
        case "not_json": self = .notJSON
        case "wrong_types": self = .wrongTypes
        case "huge", "huge_chunked":
            let megabytes = try take("mb", default: 8, range: 0...1024, integral: false)
            self = .huge(bytes: Int((megabytes * Double(Fault.mebibyte)).rounded()), chunked: kind == "huge_chunked")
        case "echo_headers": self = .echoHeaders
        case "busy":
            var code = BusyRefusal.defaultCode
            if let position = remaining.firstIndex(where: { $0.0 == "code" }) {
                guard let given = remaining.remove(at: position).1.stringValue, BusyRefusal.isAcceptable(given) else {
                    throw FaultSpecError("code must be 1 to 16 letters, digits and dots, such as \(code)")
                }
                code = given
            }
            self = .busy(code: code)
        case "missing_results": self = .missingResults
        case "all_failed": self = .allFailed
        case "repeated_result": self = .repeatedResult
        case "unasked_result": self = .unaskedResult
        case "huge_header":
            self = .hugeHeader(bytes: Int(try take("bytes", default: 1_048_576, range: 1...67_108_864, integral: true)))
        case "error_text":
            guard let position = remaining.firstIndex(where: { $0.0 == "message" }),
                  let message = remaining.remove(at: position).1.stringValue else {
                throw FaultSpecError("error_text needs a string parameter message")
            }
            self = .errorText(message)
        case "echo_secret":
            func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, _ fallback: Choice) throws(FaultSpecError)
                -> Choice where Choice.RawValue == String {
                guard let position = remaining.firstIndex(where: { $0.0 == name }) else { return fallback }
                let value = remaining.remove(at: position).1
                guard let text = value.stringValue, let chosen = Choice(rawValue: text) else {
                    throw FaultSpecError("\(name) must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return chosen
            }
            self = .echoSecret(source: try choice("source", EchoSource.token), field: try choice("field", EchoField.errorMsg),
                               offset: Int(try take("offset", default: 0, range: 0...1_000_000, integral: true)),
                               length: Int(try take("length", default: 0, range: 0...1_000_000, integral: true)))
        default:
            throw FaultSpecError("unknown fault kind \(kind); kinds: \(Fault.kinds.joined(separator: ", "))")
        }
        if let extra = remaining.first {
            throw FaultSpecError("fault \(kind) takes no parameter \(extra.0)")
        }
    }
}

struct FaultSpecError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The API requests a fault counts and hits: all of them, or those of one endpoint.
enum FaultTarget: String, Sendable, CaseIterable {
    case any
    /// `PUT /v2/{project_id}/instances/status`
    case put
    /// `GET /v2/{project_id}/instances/{instance_id}`
    case get
    /// `GET /v2/{project_id}/instances`
    case list

    func matches(_ endpoint: APIEndpoint) -> Bool {
        switch self {
        case .any: true
        case .put: endpoint == .statusPut
        case .get: endpoint == .instanceGet
        case .list: endpoint == .instanceList
        }
    }

    init(named name: String) throws(FaultSpecError) {
        guard let target = Self(rawValue: name) else {
            throw FaultSpecError("on must be one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = target
    }
}

/// A fault waiting its turn: it lets `skip` API requests through, then hits the next `count`,
/// counting only the requests its target `on` matches.
struct ScheduledFault: Sendable {
    var fault: Fault
    var count: Int
    var skip: Int
    var on: FaultTarget = .any

    /// `kind[:count[:skip[:on]]]`, the `--fault` option's form.
    init(commandLine spec: String) throws(FaultSpecError) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...4).contains(parts.count) else {
            throw FaultSpecError("expected kind[:count[:skip[:on]]], got \(spec)")
        }
        let count = parts.count > 1 ? Int(parts[1]) : 1
        let skip = parts.count > 2 ? Int(parts[2]) : 0
        guard let count, let skip else { throw FaultSpecError("count and skip must be integers in \(spec)") }
        let on = parts.count > 3 ? try FaultTarget(named: parts[3]) : .any
        try self.init(fault: Fault(kind: parts[0], parameters: []), count: count, skip: skip, on: on)
    }

    /// `{"kind":K,"count":N,"skip":M,"on":T, ...params}`, the control API's form.
    init(json: JSONValue) throws(FaultSpecError) {
        guard case .object(let members) = json else { throw FaultSpecError("expected a JSON object") }
        guard let kind = json["kind"]?.stringValue else { throw FaultSpecError("kind must be a string") }
        func integer(_ name: String, default fallback: Int) throws(FaultSpecError) -> Int {
            guard let value = json[name] else { return fallback }
            guard let number = value.numberValue, number == number.rounded(), abs(number) < 1e9 else {
                throw FaultSpecError("\(name) must be an integer")
            }
            return Int(number)
        }
        let count = try integer("count", default: 1)
        let skip = try integer("skip", default: 0)
        let on: FaultTarget
        switch json["on"] {
        case nil: on = .any
        case .string(let name)?: on = try FaultTarget(named: name)
        default: throw FaultSpecError("on must be a string")
        }
        let parameters = members.filter { !["kind", "count", "skip", "on"].contains($0.0) }
        try self.init(fault: Fault(kind: kind, parameters: parameters), count: count, skip: skip, on: on)
    }

    init(fault: Fault, count: Int, skip: Int, on: FaultTarget = .any) throws(FaultSpecError) {
        guard count >= 1 else { throw FaultSpecError("count must be at least 1") }
        guard skip >= 0 else { throw FaultSpecError("skip must not be negative") }
        self.fault = fault
        self.count = count
        self.skip = skip
        self.on = on
    }

    var json: JSONValue {
        .object([("kind", .string(fault.kind)), ("count", .number(Double(count))), ("skip", .number(Double(skip))),
                 ("on", .string(on.rawValue))] + fault.parameters)
    }
}

/// The queue of faults. Faults take their turns one after another: the second queued fault
/// starts counting its `skip` only once the first has hit its `count` requests. A request the
/// first fault's `on` does not match goes through untouched and counts for no fault.
final class FaultPlan: Sendable {
    private let initial: [ScheduledFault]
    private let queue: Mutex<[ScheduledFault]>

    init(_ initial: [ScheduledFault]) {
        self.initial = initial
        queue = Mutex(initial)
    }

    /// The fault for the API request to `endpoint` that just arrived, if any; every API request
    /// calls this once.
    func nextFault(for endpoint: APIEndpoint) -> Fault? {
        queue.withLock { queue in
            guard let first = queue.first, first.on.matches(endpoint) else { return nil }
            if queue[0].skip > 0 {
                queue[0].skip -= 1
                return nil
            }
            let fault = queue[0].fault
            queue[0].count -= 1
            if queue[0].count == 0 { queue.removeFirst() }
            return fault
        }
    }

    func enqueue(_ scheduled: ScheduledFault) {
        queue.withLock { $0.append(scheduled) }
    }

    func clear() {
        queue.withLock { $0.removeAll() }
    }

    /// Back to the faults given on the command line.
    func reset() {
        queue.withLock { $0 = initial }
    }

    var pending: [ScheduledFault] { queue.withLock { $0 } }
}

extension Fault {
    /// The answer under this fault. `normal(acting)` is the emulator's own answer; only `delay`
    /// and `all_failed` use it, every other fault replaces the answer and leaves the fleet alone.
    func reply(to request: ReceivedRequest, normal: (_ acting: Bool) -> Reply) -> Reply {
        switch self {
        case .status500:
            return .error(500, code: "DCS.5000", message: "Internal service error (injected fault).")
        case .status503(let seconds):
            return .error(503, code: "APIGW.0308", message: "The service is unavailable (injected fault).",
                          headers: [("Retry-After", String(seconds))])
        case .status429(let seconds):
            return .error(429, code: "APIGW.0308", message: "The request throttling threshold has been reached (injected fault).",
                          headers: [("Retry-After", String(seconds))])
        case .html502:
            return .full(status: 502, contentType: "text/html", headers: [], body: Array("""
                <html>\r
                <head><title>502 Bad Gateway</title></head>\r
                <body>\r
                <center><h1>502 Bad Gateway</h1></center>\r
                </body>\r
                </html>\r

                """.utf8))
        case .delay(let milliseconds):
            return .delayed(milliseconds: milliseconds, normal(true))
        case .reset:
            return .reset
        case .truncated:
            let body = Array(#"{"results":[{"instance":"2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef","result":"success"}]}"#.utf8)
            return .truncated(status: 200, body: body, sentBytes: body.count / 2)
        case .notJSON:
            return .full(status: 200, contentType: "application/json", headers: [],
                         body: Array("this is not JSON {\"results\":".utf8))
        case .wrongTypes:
            return .json(200, .object([("results", .array([.object([("instance", 12), ("result", true)])]))]))
        case .huge(let bytes, let chunked):
            return .huge(bytes: bytes, chunked: chunked)
        case .busy(let code):
            return .error(400, code: code, message: BusyRefusal.message(for: code))
        case .echoHeaders:
            let quoted = request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "; ")
            return .error(502, code: "APIGW.0999", message: "Bad gateway. The request was: \(quoted)")
        case .missingResults:
            return .json(200, .object([("results", [])]))
        case .repeatedResult, .unaskedResult:
            return Self.rewriteResults(normal(true)) { entries in
                guard let first = entries.first, let result = first["result"]?.stringValue else { return entries }
                if case .repeatedResult = self {
                    let other: JSONValue = .string(result == "success" ? "failed" : "success")
                    return entries + [.object([("instance", first["instance"] ?? .null), ("result", other)])]
                }
                return entries + [.object([("instance", "someone-else-s-instance"), ("result", "success")])]
            }
        case .hugeHeader(let bytes):
            return .full(status: 200, contentType: "application/json",
                         headers: [("X-Padding", String(repeating: "p", count: bytes))], body: Array("{}".utf8))
        case .errorText(let message):
            return .error(400, code: "APIGW.0999", message: message)
        case .echoSecret(let source, let field, let offset, let length):
            let secret: String
            switch source {
            case .token: secret = request.header("x-security-token") ?? request.header("x-auth-token") ?? ""
            case .signature:
                secret = request.header("authorization").flatMap { Authenticator.parseAuthorization($0)?.signature } ?? ""
            }
            let piece = String(secret.dropFirst(offset).prefix(length == 0 ? Int.max : length))
            let quoted = "echoed: \(piece) :end"
            switch field {
            case .errorMsg: return .error(400, code: "APIGW.0999", message: quoted)
            case .errorCode: return .error(400, code: piece, message: "the code echoes the request")
            case .bodyRequestID:
                return .json(400, .object([("error_code", "APIGW.0999"), ("error_msg", "the request id echoes the request"),
                                           ("request_id", .string(quoted))]))
            case .requestID:
                return .error(400, code: "APIGW.0999", message: "the X-Request-Id echoes the request",
                              headers: [("X-Request-Id", quoted)])
            case .contentType:
                return .full(status: 502, contentType: "text/plain; x=\(piece)", headers: [], body: Array("bad gateway".utf8))
            case .html:
                return .full(status: 502, contentType: "text/html", headers: [],
                             body: Array("<html><body><p>\(quoted)</p></body></html>".utf8))
            }
        case .allFailed:
            return normal(false)
        }
    }

    /// `reply` (a 200 of results) with its entries changed by `change`; anything else as it is.
    private static func rewriteResults(_ reply: Reply, _ change: @escaping @Sendable ([JSONValue]) -> [JSONValue]) -> Reply {
        switch reply {
        case let .full(status, contentType, headers, body) where status == 200:
            guard let document = JSONValue.parse(body), case .array(let entries)? = document["results"] else { return reply }
            return .full(status: status, contentType: contentType, headers: headers,
                         body: JSONValue.object([("results", .array(change(entries)))]).serialized)
        case let .deferred(future):
            return .deferred(future.map { rewriteResults($0, change) })
        default:
            return reply
        }
    }
}
