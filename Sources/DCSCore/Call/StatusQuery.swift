import DCSAPI
import DCSSigning

/// Reads one instance's status: `GET /v2/{project_id}/instances/{instance_id}`.
struct StatusQuery: Sendable {
    let sender: RequestSender

    /// `id` has passed `InstanceIDs.validate`. Failures come unredacted: the caller redacts.
    func status(of id: String, control: CallControl) -> Result<InstanceStatus, CallFailure> {
        let path = "/v2/\(sender.configuration.projectID)/instances/\(PercentEncoding.encode(id))"
        let sent = sender.send(.get, path: path, control: control, what: "status of \(id)")
        guard let attempt = sent.attempt, sent.stoppedBy == nil else {
            let status = (sent.stoppedBy ?? .deadline).status
            return .failure(CallFailure(status: status, message: status == .cancelled ? "cancelled" : "the deadline passed"))
        }
        switch attempt {
        case let .failed(failure):
            return .failure(CallFailure(status: failure.callStatus, message: failure.detail + CallFailure.retriesNote(sent.retries)))
        case let .answered(answer) where (200..<300).contains(answer.status):
            guard let status = AnswerDecoder.instanceStatus(body: answer.http.body) else {
                return .failure(CallFailure(status: .protocolError, httpStatus: answer.status,
                                            message: "the answer (HTTP \(answer.status)) has no instance status",
                                            requestID: answer.requestID))
            }
            return .success(status)
        case let .answered(answer):
            return .failure(CallFailure.answered(answer, note: CallFailure.retriesNote(sent.retries)))
        }
    }
}
