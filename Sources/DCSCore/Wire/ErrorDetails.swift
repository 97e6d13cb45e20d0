/// The code, message and request id in a service's error body.
struct ErrorDetails: Sendable, Equatable {
    var code: String
    var message: String
    var requestID: String
}
