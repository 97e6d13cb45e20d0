/// An HTTP answer as the service's: the transport's answer and, for an error status, the
/// service's error code and message, read once here for every part of the call that needs
/// them (the retry policy, the log, the failure reported). Every text in it that came from the
/// network is redacted, then cut short.
struct ServiceAnswer: Sendable {
    static let maxRequestIDCharacters = 128

    let http: HTTPAnswer
    /// nil for a 2xx.
    let error: ErrorDetails?
    /// The X-Request-Id, redacted and cut to `maxRequestIDCharacters`.
    let requestID: String

    /// `redactor` hides the client's secrets and the signatures made for this request.
    init(_ http: HTTPAnswer, redactor: SecretRedactor) {
        self.http = http
        error = (200..<300).contains(http.status) ? nil
            : AnswerDecoder.errorDetails(body: http.body, contentType: http.contentType, redactor: redactor)
        requestID = http.requestID.isEmpty ? ""
            : Printable.clip(redactor.redact(http.requestID), maxCharacters: Self.maxRequestIDCharacters)
    }

    var status: Int { http.status }
    /// The service's error code, "" for a 2xx or an error without one.
    var errorCode: String { error?.code ?? "" }
}
