/// How one attempt at a request ended: an answer (of any status), or no answer.
// indirect: the payloads are boxed. Copies of the enum with its two large payloads inline read
// bytes that the smaller case leaves unset (valgrind reports it at every failed attempt).
indirect enum AttemptResult: Sendable {
    case answered(ServiceAnswer)
    case failed(TransportFailure)

    init(_ transported: Result<HTTPAnswer, TransportFailure>, redactor: SecretRedactor) {
        switch transported {
        case let .success(answer): self = .answered(ServiceAnswer(answer, redactor: redactor))
        case let .failure(failure): self = .failed(failure)
        }
    }

    /// The service's clock, when the attempt was answered with an error that carried a Date.
    var serviceTime: Int? {
        guard case let .answered(answer) = self else { return nil }
        return answer.http.serverDate
    }
}
