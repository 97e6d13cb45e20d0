import DCSAPI
import DCSSigning

/// Reads one instance's status: `GET /v2/{project_id}/instances/{instance_id}`.
struct StatusQuery: Sendable {
    let sender: RequestSender

    /// `id` has passed `InstanceIDs.validate`. Failures come unredacted: the caller redacts.
    func status(of id: String, control: CallControl) -> Result<InstanceStatus, CallFailure> {
        let path = "/v2/\(sender.configuration.projectID)/instances/\(PercentEncoding.encode(id))"
        let sent = sender.send(.get, path: path, control: control, what: "status of \(id)")
        return sent.readAnswer(stopped: { $0 == .cancel ? "cancelled" : "the deadline passed" }) { answer in
            AnswerDecoder.instanceStatus(body: answer.http.body).map(Result.success) ?? .failure(CallFailure(
                status: .protocolError, httpStatus: answer.status,
                message: "the answer (HTTP \(answer.status)) has no instance status", requestID: answer.requestID))
        }
    }
}

extension RequestSender.Sent {
    /// What a request that changes nothing (a GET) ended with: `read` makes a value of a 2xx
    /// answer; a stop, a failed transfer and any other answer are failures. `stopped` says why
    /// a stop stopped it, for the message.
    func readAnswer<Value>(stopped: (CallStop) -> String,
                           _ read: (ServiceAnswer) -> Result<Value, CallFailure>) -> Result<Value, CallFailure> {
        guard let attempt, stoppedBy == nil else {
            let stop = stoppedBy ?? .deadline
            return .failure(CallFailure(status: stop.status, message: stopped(stop)))
        }
        switch attempt {
        case let .failed(failure):
            return .failure(CallFailure(status: failure.callStatus, message: failure.detail + CallFailure.retriesNote(retries)))
        case let .answered(answer) where (200..<300).contains(answer.status):
            return read(answer)
        case let .answered(answer):
            return .failure(CallFailure.answered(answer, note: CallFailure.retriesNote(retries)))
        }
    }
}
