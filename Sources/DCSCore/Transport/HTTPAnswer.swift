/// A complete HTTP answer.
struct HTTPAnswer: Sendable {
    var status: Int
    var body: [UInt8]
    var requestID: String
    var contentType: String
    var retryAfterSeconds: Int?
    /// The service's clock from the `Date` header, in seconds since the epoch; read by the
    /// transport for error answers only (4xx, 5xx: a refusal may be about the clock), nil otherwise.
    var serverDate: Int? = nil
}
