import Synchronization

/// What a connection remembers about itself for the counters: whether it has already been
/// counted as an API connection since the last reset.
struct ConnectionTally {
    fileprivate var countedInEpoch: Int?
}

/// Which API a request is for, as the counters and the faults' `on` tell them apart.
enum APIEndpoint: Sendable, Equatable {
    case statusPut
    case instanceGet
    case instanceList
    case other
}

/// API traffic as `GET /_emulator/stats` and `GET /_emulator/requests` report it. Control
/// requests never come here.
final class Traffic: Sendable {
    static let recordLimit = 1000

    private struct State {
        var epoch = 0
        var requests = 0
        var connections = 0
        var statusPuts = 0
        var statusGets = 0
        var listGets = 0
        var recorded: [ReceivedRequest] = []
    }

    private let recordsRequests: Bool
    /// Whether the recorded view shows credentials as sent; by default it hides them.
    private let showsSecrets: Bool
    private let state = Mutex(State())

    init(recordsRequests: Bool, showsSecrets: Bool = false) {
        self.recordsRequests = recordsRequests
        self.showsSecrets = showsSecrets
    }

    /// A header's value as the recorded view shows it: the tokens, and the signature of an
    /// Authorization (the rest of it, access key and signed header names, is no secret), as
    /// "[redacted]", so that a pasted view gives nothing away.
    private func shown(_ name: String, _ value: String) -> String {
        guard !showsSecrets else { return value }
        switch name.lowercased() {
        case "x-security-token", "x-auth-token":
            return "[redacted]"
        case "authorization":
            guard let signature = value.firstRange(of: "Signature=") else { return "[redacted]" }
            let end = value[signature.upperBound...].firstIndex(of: ",") ?? value.endIndex
            return value[..<signature.upperBound] + "[redacted]" + value[end...]
        default:
            return value
        }
    }

    /// Counts one API request (refused and faulted ones included) and the connection that
    /// carried it, the first time that connection carries one.
    func count(_ request: ReceivedRequest, endpoint: APIEndpoint, connection: inout ConnectionTally) {
        state.withLock { state in
            state.requests += 1
            if connection.countedInEpoch != state.epoch {
                connection.countedInEpoch = state.epoch
                state.connections += 1
            }
            switch endpoint {
            case .statusPut: state.statusPuts += 1
            case .instanceGet: state.statusGets += 1
            case .instanceList: state.listGets += 1
            case .other: break
            }
            if recordsRequests {
                state.recorded.append(request)
                if state.recorded.count > Self.recordLimit {
                    state.recorded.removeFirst(state.recorded.count - Self.recordLimit)
                }
            }
        }
    }

    var statsJSON: JSONValue {
        state.withLock { state in
            .object([("api_requests", .number(Double(state.requests))),
                     ("api_connections", .number(Double(state.connections))),
                     ("status_puts", .number(Double(state.statusPuts))),
                     ("status_gets", .number(Double(state.statusGets))),
                     ("list_gets", .number(Double(state.listGets)))])
        }
    }

    /// The recorded requests, oldest first; nil when recording is off.
    var recordedJSON: JSONValue? {
        guard recordsRequests else { return nil }
        let recorded = state.withLock { $0.recorded }
        return .array(recorded.map { request in
            .object([("method", .string(request.method)),
                     ("path", .string(request.path)),
                     ("query", .string(request.query)),
                     ("headers", .array(request.headers.map { .array([.string($0.name), .string(shown($0.name, $0.value))]) })),
                     ("body", .string(String(decoding: request.body, as: UTF8.self)))])
        })
    }

    /// Counters and records back to zero; connections already open count again on their next
    /// API request.
    func reset() {
        state.withLock { state in
            state = State(epoch: state.epoch + 1)
        }
    }
}
