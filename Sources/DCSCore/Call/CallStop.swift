/// What ends a call from outside before it is done: its deadline or its cancel token. The one
/// place that says which status each gives.
enum CallStop: Sendable {
    case deadline
    case cancel

    var status: CallStatus {
        switch self {
        case .deadline: .timeout
        case .cancel: .cancelled
        }
    }
}
