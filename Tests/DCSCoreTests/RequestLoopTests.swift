import Foundation
import Testing
@testable import DCSCore

/// A transport that answers from a script and records what it was asked to send: the retry,
/// deadline, cancel and clock logic of a call, tested in microseconds without a socket.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    typealias Step = @Sendable (HTTPRequest) -> Result<HTTPAnswer, TransportFailure>
    // @unchecked: every field is guarded by `lock`.
    private let lock = NSLock()
    private var steps: [Step]
    private var sentRequests: [HTTPRequest] = []

    init(_ steps: [Step]) { self.steps = steps }

    var requests: [HTTPRequest] { lock.withLock { sentRequests } }

    func send(_ request: HTTPRequest, cancel: CancelToken?) -> Result<HTTPAnswer, TransportFailure> {
        let step: Step? = lock.withLock {
            sentRequests.append(request)
            return steps.isEmpty ? nil : steps.removeFirst()
        }
        return step?(request) ?? .failure(.init(kind: .other, mayHaveReached: true, detail: "the script ran out"))
    }

    static func answer(_ status: Int, _ body: String = "", retryAfter: Int? = nil, serverDate: Int? = nil) -> Step {
        { _ in .success(HTTPAnswer(status: status, body: Array(body.utf8), requestID: "rid-\(status)",
                                   contentType: "application/json", retryAfterSeconds: retryAfter,
                                   serverDate: serverDate)) }
    }

    static func success(_ ids: [String]) -> Step {
        let entries = ids.map { #"{"instance":"\#($0)","result":"success"}"# }.joined(separator: ",")
        return answer(200, #"{"results":[\#(entries)]}"#)
    }

    static func refusal(_ status: Int, code: String) -> Step {
        answer(status, #"{"error_code":"\#(code)","error_msg":"refused","error_ext_msg":null}"#)
    }

    static func failure(_ kind: TransportFailure.Kind, reached: Bool) -> Step {
        { _ in .failure(.init(kind: kind, mayHaveReached: reached, detail: "scripted \(kind)")) }
    }
}

struct RequestLoopTests {
    static let ids = ["a", "b"]
    /// Delays of a millisecond or two, so that retries do not make the tests slow.
    static let quickPolicy = RetryPolicy(maxRetries: 2, busyRetryMs: 0, baseDelayMs: 2, maxBackoffMs: 4,
                                         busyBaseDelayMs: 1, busyMaxDelayMs: 2)

    static func configuration(token: Bool = false) throws -> ClientConfiguration {
        var settings = ClientSettings()
        try settings.setEndpoint("http://127.0.0.1:9")
        try settings.setProjectID("p")
        settings.setCredentials(token ? .iamToken("T0KEN") : .accessKey(ak: "AK", sk: "SK", securityToken: nil))
        return try settings.resolved()
    }

    static func client(_ transport: ScriptedTransport, token: Bool = false, policy: RetryPolicy = quickPolicy) throws
        -> StatusClient {
        StatusClient(configuration: try configuration(token: token), transport: transport, retryPolicy: policy)
    }

    static func sdkDate(_ request: HTTPRequest) -> String? {
        request.headers.first { $0.hasPrefix("X-Sdk-Date: ") }.map { String($0.dropFirst("X-Sdk-Date: ".count)) }
    }

    @Test func a_503_is_sent_again_and_its_success_stands() throws {
        let transport = ScriptedTransport([ScriptedTransport.answer(503, retryAfter: 0), ScriptedTransport.success(Self.ids)])
        let report = try Self.client(transport).perform(.restart, ids: Self.ids)
        #expect(report.status == .ok)
        #expect(report.outcomes == [.success, .success])
        #expect(transport.requests.count == 2)
    }

    @Test func retries_run_out_and_the_last_503_refused_it() throws {
        let transport = ScriptedTransport(Array(repeating: ScriptedTransport.answer(503, retryAfter: 0), count: 5))
        let report = try Self.client(transport).perform(.restart, ids: Self.ids)
        #expect(transport.requests.count == 3)  // the first and two retries
        #expect(report.status == .api)
        #expect(report.outcomes == [.failed, .failed])  // sent again because not applied: nor was the last
        #expect(report.failure?.message.contains("after 2 retries") == true)
    }

    @Test func a_connection_that_never_opened_is_retried_what_may_have_arrived_is_not() throws {
        let refused = ScriptedTransport([ScriptedTransport.failure(.neverConnected, reached: false),
                                         ScriptedTransport.success(Self.ids)])
        #expect(try Self.client(refused).perform(.flush, ids: Self.ids).status == .ok)
        #expect(refused.requests.count == 2)

        let timedOut = ScriptedTransport([ScriptedTransport.failure(.timeout, reached: true),
                                          ScriptedTransport.success(Self.ids)])
        let report = try Self.client(timedOut).perform(.flush, ids: Self.ids)
        #expect(timedOut.requests.count == 1)
        #expect(report.status == .timeout)
        #expect(report.outcomes == [.unknown, .unknown])
    }

    @Test func a_refused_signature_with_a_skewed_clock_is_signed_again_once() throws {
        let hourAhead = Int(Date().timeIntervalSince1970) + 3600
        let transport = ScriptedTransport([ScriptedTransport.answer(401, serverDate: hourAhead),
                                           ScriptedTransport.answer(401, serverDate: hourAhead + 3600)])
        let report = try Self.client(transport).perform(.restart, ids: Self.ids)
        let requests = transport.requests
        #expect(requests.count == 2)  // once more, not twice more
        #expect(report.status == .api)
        #expect(report.outcomes == [.failed, .failed])
        // The second request is signed with the service's time, an hour ahead of ours.
        let second = try #require(Self.sdkDate(requests[1]))
        let serviceTimes = (hourAhead - 1...hourAhead + 2).map { SigningClock.sdkDate(epochSeconds: time_t($0)) }
        #expect(serviceTimes.contains(second))
        #expect(!serviceTimes.contains(try #require(Self.sdkDate(requests[0]))))
    }

    @Test func a_refused_signature_with_agreeing_clocks_or_a_token_is_final() throws {
        let now = Int(Date().timeIntervalSince1970)
        let closeClock = ScriptedTransport([ScriptedTransport.answer(401, serverDate: now + 60), ScriptedTransport.success(Self.ids)])
        #expect(try Self.client(closeClock).perform(.restart, ids: Self.ids).status == .api)
        #expect(closeClock.requests.count == 1)

        let token = ScriptedTransport([ScriptedTransport.answer(401, serverDate: now + 3600), ScriptedTransport.success(Self.ids)])
        #expect(try Self.client(token, token: true).perform(.restart, ids: Self.ids).status == .api)
        #expect(token.requests.count == 1)
        #expect(Self.sdkDate(token.requests[0]) == nil)  // a token request signs no date
    }

    @Test func a_busy_refusal_is_retried_only_when_asked_for() throws {
        var policy = Self.quickPolicy
        let off = ScriptedTransport([ScriptedTransport.refusal(400, code: "DCS.4111"), ScriptedTransport.success(Self.ids)])
        #expect(try Self.client(off, policy: policy).perform(.restart, ids: Self.ids).status == .api)
        #expect(off.requests.count == 1)

        policy.busyRetryMs = 50
        let on = ScriptedTransport([ScriptedTransport.refusal(400, code: "DCS.4111"),
                                    ScriptedTransport.refusal(400, code: "111400049"), ScriptedTransport.success(Self.ids)])
        #expect(try Self.client(on, policy: policy).perform(.restart, ids: Self.ids).status == .ok)
        #expect(on.requests.count == 3)

        let other = ScriptedTransport([ScriptedTransport.refusal(400, code: "DCS.4065"), ScriptedTransport.success(Self.ids)])
        #expect(try Self.client(other, policy: policy).perform(.restart, ids: Self.ids).status == .api)
        #expect(other.requests.count == 1)
    }

    @Test func a_deadline_before_the_retry_reports_the_last_attempt() throws {
        // A Retry-After of 1 s does not fit in a deadline of 100 ms: no second request.
        let transport = ScriptedTransport([ScriptedTransport.answer(503, retryAfter: 1), ScriptedTransport.success(Self.ids)])
        let started = ContinuousClock.now
        let report = try Self.client(transport).perform(.restart, ids: Self.ids, deadlineMs: 100)
        #expect(ContinuousClock.now - started < .milliseconds(900))
        #expect(transport.requests.count == 1)
        #expect(report.outcomes == [.failed, .failed])  // the 503 refused it: not applied
        #expect(report.status == .api)
    }

    @Test func a_request_is_bounded_by_the_time_left() throws {
        let transport = ScriptedTransport([ScriptedTransport.success(Self.ids)])
        _ = try Self.client(transport).perform(.restart, ids: Self.ids, deadlineMs: 5_000)
        let request = try #require(transport.requests.first)
        #expect(request.timeoutMs <= 5_000 && request.timeoutMs > 4_000)
        #expect(request.connectTimeoutMs <= request.timeoutMs)
    }

    @Test func a_cancel_during_the_retry_wait_stops_with_what_is_known() throws {
        let cancel = CancelToken()
        let transport = ScriptedTransport([
            { _ in
                cancel.trigger()
                return .success(HTTPAnswer(status: 429, body: [], requestID: "r429", contentType: "",
                                           retryAfterSeconds: 30))
            },
            ScriptedTransport.success(Self.ids),
        ])
        let started = ContinuousClock.now
        let report = try Self.client(transport).perform(.restart, ids: Self.ids, cancel: cancel)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(transport.requests.count == 1)
        #expect(report.status == .cancelled)
        #expect(report.outcomes == [.failed, .failed])  // a 429 was refused: not applied
    }

    @Test func a_cancel_before_a_chunk_leaves_it_not_sent() throws {
        let cancel = CancelToken()
        let ids = (0..<60).map { "id-\($0)" }
        let transport = ScriptedTransport([
            { _ in
                cancel.trigger()
                let entries = ids.prefix(50).map { #"{"instance":"\#($0)","result":"success"}"# }.joined(separator: ",")
                return .success(HTTPAnswer(status: 200, body: Array(#"{"results":[\#(entries)]}"#.utf8),
                                           requestID: "r1", contentType: "application/json", retryAfterSeconds: nil))
            },
        ])
        let report = try Self.client(transport).perform(.restart, ids: ids, cancel: cancel)
        #expect(transport.requests.count == 1)
        #expect(report.status == .cancelled)
        #expect(report.outcomes.prefix(50).allSatisfy { $0 == .success })
        #expect(report.outcomes.suffix(10).allSatisfy { $0 == .notSent })
        #expect(report.requestIDs.first == "r1" && report.requestIDs.last == "")
    }

    @Test func the_wait_takes_the_shorter_of_its_timeout_and_the_deadline() throws {
        let transport = ScriptedTransport(Array(repeating: ScriptedTransport.answer(200, #"{"status":"RESTARTING"}"#),
                                                count: 50))
        let started = ContinuousClock.now
        let report = try Self.client(transport).waitRunning(ids: ["a"], timeoutMs: 60_000, deadlineMs: 300)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(report.status == .timeout)
        #expect(report.outcomes == [.unknown])
    }
}
