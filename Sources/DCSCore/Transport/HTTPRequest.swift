/// One HTTP request as the transport sends it.
struct HTTPRequest: Sendable {
    enum Method: String, Sendable { case get = "GET", put = "PUT" }
    var method: Method
    var url: String
    /// "Name: value" lines, Host and Authorization among them.
    var headers: [String]
    var body: [UInt8]
    /// The whole request, connect included, and the connect alone.
    var timeoutMs: UInt32
    var connectTimeoutMs: UInt32
    /// The largest answer body taken: a listing's pages are larger than any other answer.
    var maxAnswerBytes = CurlTransport.maxAnswerBytes
}
