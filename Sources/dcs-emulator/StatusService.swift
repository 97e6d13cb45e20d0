import DCSAPI

/// The emulated DCS API under `/v2`: `PUT /v2/{project_id}/instances/status`,
/// `GET /v2/{project_id}/instances/{instance_id}` and the listing `GET /v2/{project_id}/instances`,
/// with the service's checks in its order: authentication, project, body or query.
struct StatusService: Sendable {
    static let maximumInstancesPerRequest = 50

    enum Route: Equatable {
        case statusPut(projectID: String)
        case instanceGet(projectID: String, instanceID: String)
        case instanceList(projectID: String)
        case unknown
    }

    let projectID: String
    let authenticator: Authenticator
    let fleet: Fleet

    static func route(of request: ReceivedRequest) -> Route {
        let segments = request.pathSegments
        if request.method == "GET", segments.count == 4, segments[0].isEmpty, segments[1] == "v2",
           segments[3] == "instances" {
            return .instanceList(projectID: segments[2])
        }
        guard segments.count == 5, segments[0].isEmpty, segments[1] == "v2", segments[3] == "instances" else {
            return .unknown
        }
        switch (request.method, segments[4]) {
        case ("PUT", "status"): return .statusPut(projectID: segments[2])
        // GET .../instances/status is a different API (counts per status), not emulated.
        case ("GET", "status"): return .unknown
        case ("GET", let id): return .instanceGet(projectID: segments[2], instanceID: id)
        default: return .unknown
        }
    }

    /// The answer to an API request. With `acting` false a valid status request changes nothing
    /// and every id comes back `failed` (the `all_failed` fault).
    func answer(_ request: ReceivedRequest, acting: Bool = true) -> Reply {
        let route = Self.route(of: request)
        let pathProject: String
        switch route {
        case .unknown:
            return .error(404, code: "DCS.4001", message: "The URL does not exist.")
        case .statusPut(let project), .instanceGet(let project, _), .instanceList(let project):
            pathProject = project
        }
        if let refusal = authenticator.refusal(of: request) { return refusal }
        guard pathProject == projectID else {
            return .error(403, code: "DCS.3003", message: "No permission for project \(pathProject).")
        }
        if let headerProject = request.header("x-project-id"), headerProject != projectID {
            return .error(403, code: "DCS.3003", message: "X-Project-Id does not match the project in the path.")
        }
        switch route {
        case .statusPut:
            return changeStatus(request.body, acting: acting)
        case .instanceGet(_, let id):
            return describe(id)
        case .instanceList:
            return list(request.queryPairs)
        case .unknown:
            preconditionFailure("handled above")
        }
    }

    private func changeStatus(_ body: [UInt8], acting: Bool) -> Reply {
        guard !body.isEmpty else { return .error(400, code: "DCS.4004", message: "The request body is empty.") }
        guard let document = JSONValue.parse(body), case .object = document else {
            return .error(400, code: "DCS.4005", message: "The request body is not a JSON object.")
        }
        guard case .array(let elements)? = document["instances"], !elements.isEmpty else {
            return .error(400, code: "DCS.4065", message: "instances must be a non-empty array of instance ids.")
        }
        let ids = elements.compactMap(\.stringValue)
        guard ids.count == elements.count else {
            return .error(400, code: "DCS.4065", message: "instances must be a non-empty array of instance ids.")
        }
        guard let actionName = document["action"]?.stringValue, let action = InstanceAction(rawValue: actionName) else {
            return .error(400, code: "DCS.4064", message: "action must be one of restart, soft_restart, flush.")
        }
        guard ids.count <= Self.maximumInstancesPerRequest else {
            return .error(400, code: "DCS.4100",
                          message: "At most \(Self.maximumInstancesPerRequest) instances can be given in one request.")
        }
        switch acting ? fleet.apply(action, to: ids) : .now(ids.map { _ in false }) {
        case .now(let outcomes):
            return Self.results(ids, outcomes)
        case .later(let outcomes):
            return .deferred(outcomes.map { Self.results(ids, $0) })
        }
    }

    private static func results(_ ids: [String], _ outcomes: [Bool]) -> Reply {
        let results = zip(ids, outcomes).map { id, succeeded -> JSONValue in
            .object([("instance", .string(id)), ("result", .string(succeeded ? "success" : "failed"))])
        }
        return .json(200, .object([("results", .array(results))]))
    }

    private func describe(_ id: String) -> Reply {
        guard let view = fleet.instance(id) else {
            return .error(404, code: "DCS.3022", message: "The instance does not exist.")
        }
        return .json(200, InstanceDescription(view: view).json)
    }

    /// `{"instance_num": <all that match>, "instances": [<the page>]}`, in the fleet's order.
    private func list(_ query: [(String, String)]) -> Reply {
        let listing: ListingQuery
        do { listing = try ListingQuery(query) } catch {
            return .error(400, code: ListingQuery.refusalCode, message: "Invalid query: \(error.message).")
        }
        let selected = fleet.all().map(InstanceDescription.init).filter(listing.selects)
        return .json(200, .object([("instance_num", .number(Double(selected.count))),
                                   ("instances", .array(listing.page(of: selected).map(\.json)))]))
    }
}
