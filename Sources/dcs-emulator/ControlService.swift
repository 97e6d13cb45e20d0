/// The test-facing endpoints under `/_emulator`: no authentication, never counted as API traffic.
struct ControlService: Sendable {
    let fleet: Fleet
    let faults: FaultPlan
    let traffic: Traffic
    let clock: EmulatorClock

    func reply(to request: ReceivedRequest) -> Reply {
        switch (request.method, request.path) {
        case ("GET", "/_emulator/stats"):
            return .json(200, traffic.statsJSON)
        case ("POST", "/_emulator/reset"):
            traffic.reset()
            faults.reset()
            fleet.reset()
            clock.reset()
            return .json(200, .object([("reset", true)]))
        case ("GET", "/_emulator/instances"):
            return .json(200, .array(fleet.all().map(Self.instanceJSON)))
        case ("POST", _) where request.path.hasPrefix("/_emulator/instances/"):
            return changeInstance(request)
        case ("GET", "/_emulator/requests"):
            guard let recorded = traffic.recordedJSON else {
                return Self.error(404, "request recording is off: start the emulator with --record-requests")
            }
            return .json(200, recorded)
        case ("GET", "/_emulator/faults"):
            return .json(200, .array(faults.pending.map(\.json)))
        case ("POST", "/_emulator/faults"):
            guard let document = JSONValue.parse(request.body) else { return Self.error(400, "the body is not JSON") }
            do {
                let scheduled = try ScheduledFault(json: document)
                faults.enqueue(scheduled)
                return .json(200, scheduled.json)
            } catch {
                return Self.error(400, error.description)
            }
        case ("DELETE", "/_emulator/faults"):
            faults.clear()
            return .json(200, .object([("cleared", true)]))
        case ("GET", "/_emulator/clock"):
            return .json(200, clockJSON)
        case ("POST", "/_emulator/clock"):
            guard let document = JSONValue.parse(request.body) else { return Self.error(400, "the body is not JSON") }
            let limit = Double(EmulatorClock.offsetLimit)
            guard let offset = document["offset_seconds"]?.numberValue, offset == offset.rounded(),
                  abs(offset) <= limit else {
                return Self.error(400, "offset_seconds must be an integer in -\(EmulatorClock.offsetLimit)..."
                                  + "\(EmulatorClock.offsetLimit)")
            }
            clock.setOffset(Int(offset))
            return .json(200, clockJSON)
        default:
            return Self.error(404, "no such control endpoint: \(request.method) \(request.path)")
        }
    }

    /// `POST /_emulator/instances/{id}` with `{"status": S}` (the instance shows S from now on),
    /// `{"never_returns": B}` (an operation on it never ends, or ends again), or both.
    private func changeInstance(_ request: ReceivedRequest) -> Reply {
        let segments = request.pathSegments
        guard segments.count == 4 else {
            return Self.error(404, "no such control endpoint: \(request.method) \(request.path)")
        }
        guard let document = JSONValue.parse(request.body), case .object(let members) = document else {
            return Self.error(400, "the body is not a JSON object")
        }
        if let unknown = members.first(where: { !["status", "never_returns"].contains($0.0) }) {
            return Self.error(400, "unknown member \(unknown.0): give status, never_returns or both")
        }
        var status: String?
        if let given = document["status"] {
            guard let name = given.stringValue, InstanceSpec.statuses.contains(name) else {
                return Self.error(400, "status must be one of \(InstanceSpec.statuses.joined(separator: ", "))")
            }
            status = name
        }
        var neverReturns: Bool?
        if let given = document["never_returns"] {
            guard case .bool(let flag) = given else { return Self.error(400, "never_returns must be true or false") }
            neverReturns = flag
        }
        guard status != nil || neverReturns != nil else {
            return Self.error(400, "give status, never_returns or both")
        }
        guard let view = fleet.change(segments[3], status: status, neverReturns: neverReturns) else {
            return Self.error(404, "no instance \(segments[3])")
        }
        return .json(200, Self.instanceJSON(view))
    }

    private static func instanceJSON(_ view: Fleet.View) -> JSONValue {
        var members: [(String, JSONValue)] = [("id", .string(view.spec.id)), ("name", .string(view.spec.name)),
                                              ("engine_version", .string(view.spec.engineVersion)),
                                              ("status", .string(view.status)),
                                              ("tags", .object(view.spec.tags.map { ($0.key, .string($0.value)) })),
                                              ("never_returns", .bool(view.neverReturns))]
        if let port = view.redisPort {
            members.append(("redis_port", .number(Double(port))))
            members.append(("redis_pid", view.redisPID.map { .number(Double($0)) } ?? .null))
        }
        return .object(members)
    }

    /// `{"offset_seconds": N, "now": epoch seconds, "date": "<as the Date header shows it>"}`
    private var clockJSON: JSONValue {
        let now = clock.now()
        return .object([("offset_seconds", .number(Double(clock.offsetSeconds))), ("now", .number(Double(now))),
                        ("date", .string(WallClock.httpDate(now)))])
    }

    private static func error(_ status: Int, _ message: String) -> Reply {
        .error(status, code: "EMU.\(status)", message: message)
    }
}
