/// What one chunk's final attempt means for its ids and for the call: the one place where an
/// answer or a failure becomes outcomes and a status.
struct ChunkVerdict {
    var outcomes: [InstanceOutcome]
    var status: CallStatus
    var failure: CallFailure?
    /// Ids a 2xx answer listed that were not asked for: ignored, and logged.
    var unasked: [String] = []

    /// How a request sent by `RequestSender` ended, for its ids. A stop by the deadline or the
    /// cancel token before any attempt leaves them not sent; after one, they keep what the last
    /// attempt implies, under the stop's status.
    init(ids: ArraySlice<String>, sent: RequestSender.Sent, deadline: CallDeadline) {
        guard let stop = sent.stoppedBy else {
            // Without a stop there was an attempt: the sender only returns early for a stop.
            self.init(ids: ids, attempt: sent.attempt ?? .failed(.init(kind: .other, mayHaveReached: false, detail: "no attempt")),
                      retries: sent.retries)
            return
        }
        let cause = stop == .cancel ? "cancelled" : "the call's deadline of \(deadline.milliseconds) ms passed"
        guard let attempt = sent.attempt else {
            self.init(outcomes: Array(repeating: .notSent, count: ids.count), status: stop.status,
                      failure: CallFailure(status: stop.status, message: "\(cause) before this request was sent; the request was not sent"))
            return
        }
        let last = ChunkVerdict(ids: ids, attempt: attempt, retries: sent.retries)
        self.init(outcomes: last.outcomes, status: stop.status,
                  failure: CallFailure(status: stop.status, httpStatus: last.failure?.httpStatus ?? 0,
                                       code: last.failure?.code ?? "",
                                       message: "\(cause) before a retry; the last attempt: \(last.failure?.message ?? "succeeded")",
                                       requestID: last.failure?.requestID ?? ""))
    }

    init(outcomes: [InstanceOutcome], status: CallStatus, failure: CallFailure?) {
        self.outcomes = outcomes
        self.status = status
        self.failure = failure
    }

    init(ids: ArraySlice<String>, attempt: AttemptResult, retries: Int) {
        let afterRetries = CallFailure.retriesNote(retries)
        switch attempt {
        case let .failed(transportFailure):
            outcomes = Array(repeating: transportFailure.mayHaveReached ? .unknown : .notSent, count: ids.count)
            status = transportFailure.callStatus
            let consequence = transportFailure.mayHaveReached
                ? "the request was sent and may have been applied"
                : "the request was not sent"
            failure = CallFailure(status: status, message: "\(transportFailure.detail)\(afterRetries); \(consequence)")

        case let .answered(answer) where (200..<300).contains(answer.status):
            do {
                let decoded = try AnswerDecoder.outcomes(for: ids, body: answer.http.body)
                outcomes = decoded.outcomes
                unasked = decoded.unasked
                if !decoded.repeated.isEmpty {
                    status = .protocolError
                    failure = CallFailure(status: status, httpStatus: answer.status,
                                          message: "the answer (HTTP \(answer.status)) lists \(Self.list(decoded.repeated)) more than once: their outcome is unknown",
                                          requestID: answer.requestID)
                } else if !decoded.complete {
                    status = .protocolError
                    failure = CallFailure(status: status, httpStatus: answer.status,
                                          message: "the answer (HTTP \(answer.status)) gives no result for some instances: their outcome is unknown",
                                          requestID: answer.requestID)
                } else if outcomes.contains(.failed) {
                    status = .partial
                    failure = CallFailure(status: status, httpStatus: answer.status,
                                          message: "some instances failed", requestID: answer.requestID)
                } else {
                    status = .ok
                    failure = nil
                }
            } catch {
                outcomes = Array(repeating: .unknown, count: ids.count)
                status = .protocolError
                failure = CallFailure(status: status, httpStatus: answer.status,
                                      message: "the answer (HTTP \(answer.status), \(answer.http.body.count) bytes) is not the expected JSON results: the request may have been applied",
                                      requestID: answer.requestID)
            }

        case let .answered(answer):
            // A 4xx refused the request, and so did a 503: the retry policy sends a 503 again
            // because it was not applied, and the last one was not applied either.
            let refused = (400..<500).contains(answer.status) || answer.status == 503
            outcomes = Array(repeating: refused ? .failed : .unknown, count: ids.count)
            let consequence = refused ? "" : "; the request may have been applied"
            let failure = CallFailure.answered(answer, note: afterRetries + consequence)
            status = failure.status
            self.failure = failure
        }
    }

    /// Up to three ids, for a message.
    static func list(_ ids: [String]) -> String {
        ids.count <= 3 ? ids.joined(separator: ", ") : ids.prefix(3).joined(separator: ", ") + " and \(ids.count - 3) more"
    }
}
