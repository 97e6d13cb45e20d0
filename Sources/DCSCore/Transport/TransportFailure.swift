/// Why no complete answer came, and whether the request may have reached the service.
struct TransportFailure: Error, Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Name resolution or TCP connect failed: nothing was sent.
        case neverConnected
        /// TLS handshake or certificate check failed: the request was not sent.
        case tls
        case timeout
        /// The connection broke after the request started.
        case connectionLost
        case answerTooLarge
        case malformedAnswer
        case outOfMemory
        /// The caller's cancel token ended the transfer.
        case cancelled
        case other
    }
    var kind: Kind
    /// False only when the request certainly did not reach the service.
    var mayHaveReached: Bool
    var detail: String
}
