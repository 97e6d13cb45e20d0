/// The status a call gets from a request that ended without an answer.
extension TransportFailure {
    var callStatus: CallStatus {
        switch kind {
        case .timeout: .timeout
        case .cancelled: .cancelled
        case .answerTooLarge, .malformedAnswer: .protocolError
        case .outOfMemory: .outOfMemory
        case .neverConnected, .tls, .connectionLost, .other: .transport
        }
    }
}
