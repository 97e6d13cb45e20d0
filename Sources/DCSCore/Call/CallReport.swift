/// The outcome of one call: one outcome per input id, in input order, and the failure if any.
public struct CallReport: Sendable {
    public var instanceIDs: [String]
    public var outcomes: [InstanceOutcome]
    /// Per id, the X-Request-Id of the answer to the request that carried its action; "" when no
    /// answer came for it, and in a wait, which sends no action.
    public var requestIDs: [String]
    public var status: CallStatus
    /// Set for every status but `.ok`.
    public var failure: CallFailure?

    public init(instanceIDs: [String], outcomes: [InstanceOutcome], requestIDs: [String]? = nil,
                status: CallStatus, failure: CallFailure?) {
        self.instanceIDs = instanceIDs
        self.outcomes = outcomes
        self.requestIDs = requestIDs ?? Array(repeating: "", count: instanceIDs.count)
        self.status = status
        self.failure = failure
    }
}
