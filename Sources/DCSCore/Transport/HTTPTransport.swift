/// Where requests leave the process: `CurlTransport` in the library; in unit tests, a scripted
/// transport that drives the retry, deadline, cancel and clock logic without sockets.
protocol HTTPTransport: Sendable {
    /// Sends `request` and waits for its whole answer, or for the failure that ends it; a
    /// triggered `cancel` ends the transfer within about 50 ms (`TransportFailure.Kind.cancelled`).
    func send(_ request: HTTPRequest, cancel: CancelToken?) -> Result<HTTPAnswer, TransportFailure>
}
