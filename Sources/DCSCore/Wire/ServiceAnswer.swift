/// An HTTP answer as the service's: the transport's answer and, for an error status, the
/// service's error code and message, read once here for every part of the call that needs
/// them (the retry policy, the log, the failure reported).
struct ServiceAnswer: Sendable {
    let http: HTTPAnswer
    /// nil for a 2xx.
    let error: ErrorDetails?

    init(_ http: HTTPAnswer) {
        self.http = http
        error = (200..<300).contains(http.status) ? nil
            : AnswerDecoder.errorDetails(body: http.body, contentType: http.contentType)
    }

    var status: Int { http.status }
    var requestID: String { http.requestID }
    /// The service's error code, "" for a 2xx or an error without one.
    var errorCode: String { error?.code ?? "" }
}
