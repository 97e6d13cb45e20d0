/// What one transfer collects through libcurl's callbacks.
final class TransferState {
    /// Whether libcurl may send the request again on its own (a GET, which changes nothing).
    let mayResend: Bool
    /// Set once libcurl had a connection and was about to send: the request may reach the service.
    var requestSent = false
    /// Set when libcurl wanted to send the request again (a reused connection died): refused.
    var resendRefused = false
    var answer: [UInt8] = []
    let maxAnswerBytes: Int
    var answerTooLarge = false
    /// All header lines received, in bytes: a hostile answer's headers are refused past a bound.
    var headerBytes = 0
    var headersTooLarge = false
    var requestID = ""
    var contentType = ""
    var retryAfterSeconds: Int?
    var dateHeader = ""

    init(mayResend: Bool, maxAnswerBytes: Int) {
        self.mayResend = mayResend
        self.maxAnswerBytes = maxAnswerBytes
    }

    /// A new status line (after a 100 Continue, say) starts a new set of headers.
    func startHeaders() {
        requestID = ""
        contentType = ""
        retryAfterSeconds = nil
        dateHeader = ""
    }
}
