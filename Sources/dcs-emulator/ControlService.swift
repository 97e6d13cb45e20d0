/// The test-facing endpoints under `/_emulator`: no authentication, never counted as API traffic.
struct ControlService: Sendable {
    let fleet: Fleet
    let faults: FaultPlan
    let traffic: Traffic

    func reply(to request: ReceivedRequest) -> Reply {
        switch (request.method, request.path) {
        case ("GET", "/_emulator/stats"):
            return .json(200, traffic.statsJSON)
        case ("POST", "/_emulator/reset"):
            traffic.reset()
            faults.reset()
            fleet.reset()
            return .json(200, .object([("reset", true)]))
        case ("GET", "/_emulator/instances"):
            return .json(200, .array(fleet.all().map { spec, status in
                .object([("id", .string(spec.id)), ("engine_version", .string(spec.engineVersion)),
                         ("status", .string(status))])
            }))
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
        default:
            return Self.error(404, "no such control endpoint: \(request.method) \(request.path)")
        }
    }

    private static func error(_ status: Int, _ message: String) -> Reply {
        .error(status, code: "EMU.\(status)", message: message)
    }
}
