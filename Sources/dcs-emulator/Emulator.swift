/// The emulator without its sockets: it takes a request as received and decides the reply,
/// keeping the counters, the recorded requests and the fault queue on the way.
final class Emulator: Sendable {
    static let bodyLimit = 1 << 20

    private let faults: FaultPlan
    private let traffic: Traffic
    private let service: StatusService
    private let control: ControlService
    /// The clock every answer's `Date` header and the signature's date check read.
    let clock: EmulatorClock

    init(fleet: Fleet, faults: FaultPlan, traffic: Traffic, service: StatusService) {
        self.faults = faults
        self.traffic = traffic
        self.service = service
        clock = service.authenticator.clock
        control = ControlService(fleet: fleet, faults: faults, traffic: traffic, clock: clock)
    }

    func reply(to request: ReceivedRequest, connection: inout ConnectionTally) -> Reply {
        if request.path == "/_emulator" || request.path.hasPrefix("/_emulator/") {
            return control.reply(to: request)
        }
        guard request.path == "/v2" || request.path.hasPrefix("/v2/") else {
            return .error(404, code: "DCS.4001", message: "The URL does not exist.")
        }
        let endpoint: APIEndpoint = switch StatusService.route(of: request) {
        case .statusPut: .statusPut
        case .instanceGet: .instanceGet
        case .instanceList: .instanceList
        case .unknown: .other
        }
        traffic.count(request, endpoint: endpoint, connection: &connection)
        // The gateway turns away an oversized body before anything behind it can fail.
        if request.bodyTooLarge {
            return .error(413, code: "APIGW.0201", message: "Request entity too large: the limit is 1 MiB.")
        }
        guard let fault = faults.nextFault(for: endpoint) else { return service.answer(request) }
        return fault.reply(to: request) { acting in service.answer(request, acting: acting) }
    }
}
