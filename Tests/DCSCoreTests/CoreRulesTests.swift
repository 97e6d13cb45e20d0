import Foundation
import Testing
@testable import DCSCore
import DCSAPI

struct EndpointTests {
    @Test func parses_scheme_host_and_port() throws {
        let endpoint = try Endpoint(parsing: "HTTPS://DCS.cn-north-4.myhuaweicloud.com/", argument: "url")
        #expect(endpoint.scheme == .https)
        #expect(endpoint.host == "dcs.cn-north-4.myhuaweicloud.com")
        #expect(endpoint.port == nil)
        #expect(endpoint.baseURL == "https://dcs.cn-north-4.myhuaweicloud.com")
    }

    @Test func host_header_carries_only_a_non_default_port() throws {
        #expect(try Endpoint(parsing: "https://h:443", argument: "url").hostHeader == "h")
        #expect(try Endpoint(parsing: "https://h:8443", argument: "url").hostHeader == "h:8443")
        #expect(try Endpoint(parsing: "http://127.0.0.1:80", argument: "url").hostHeader == "127.0.0.1")
        #expect(try Endpoint(parsing: "http://[::1]:9000", argument: "url").hostHeader == "[::1]:9000")
    }

    @Test func loopback_hosts() throws {
        for url in ["http://127.0.0.1:1", "http://127.9.8.7", "http://localhost:8", "http://[::1]:2"] {
            #expect(try Endpoint(parsing: url, argument: "url").isLoopback, "\(url)")
        }
        for url in ["http://128.0.0.1", "http://localhost.example.com", "http://127.0.0.1.nip.io", "http://[::2]"] {
            #expect(try !Endpoint(parsing: url, argument: "url").isLoopback, "\(url)")
        }
    }

    @Test func refuses_anything_but_scheme_host_port() {
        for url in ["", "dcs.example.com", "ftp://h", "https://", "https://h/path", "https://h?q", "https://h#f",
                    "https://u:p@h", "https://h:0", "https://h:65536", "https://h:x", "https://h h",
                    "https://[::1", "https://::1", "https://h\u{0}x", "https://-h"] {
            #expect(throws: ArgumentError.self, "\(url)") { try Endpoint(parsing: url, argument: "url") }
        }
    }

    @Test func region_gives_huawei_endpoint() {
        #expect(Endpoint(region: "ap-southeast-1").baseURL == "https://dcs.ap-southeast-1.myhuaweicloud.com")
    }
}

struct InstanceIDTests {
    @Test func accepts_unicode_and_punctuation() throws {
        let ids = try InstanceIDs.validate([Array("a\"b\\c".utf8), Array("café-日本".utf8)])
        #expect(ids == ["a\"b\\c", "café-日本"])
    }

    @Test func messages_name_the_index() {
        func message(_ raw: [[UInt8]]) -> String {
            do { _ = try InstanceIDs.validate(raw); return "" } catch { return error.message }
        }
        #expect(message([]) .contains("count is 0"))
        #expect(message([Array("a".utf8), []]) == "instance_ids[1] is empty")
        #expect(message([Array(repeating: 0x61, count: 129)]) == "instance_ids[0] is longer than 128 bytes")
        #expect(message([[0x61, 0xff]]) == "instance_ids[0] is not valid UTF-8")
        #expect(message([Array("a\u{7f}".utf8)]) == "instance_ids[0] holds a control character (U+007F)")
        #expect(message([Array("a\u{85}".utf8)]) == "instance_ids[0] holds a control character (U+0085)")
        #expect(message([Array("x".utf8), Array("y".utf8), Array("x".utf8)]) == "instance_ids[2] repeats instance_ids[0]: each instance may appear once")
    }

    @Test func repeats_are_found_among_few_and_many_ids() {
        for count in [3, 16, 17, 200] {
            var raw = (0..<count).map { Array("id-\($0)".utf8) }
            #expect((try? InstanceIDs.validate(raw))?.count == count)
            raw[count - 1] = raw[1]
            #expect(throws: ArgumentError("instance_ids[\(count - 1)] repeats instance_ids[1]: each instance may appear once")) {
                try InstanceIDs.validate(raw)
            }
        }
    }

    @Test func utf8_text_rejects_what_is_not_utf8() {
        #expect(UTF8Text.decode(Array("plain-ascii".utf8)) == "plain-ascii")
        #expect(UTF8Text.decode(Array("café-日本-😀".utf8)) == "café-日本-😀")
        #expect(UTF8Text.decode([0x61, 0xff]) == nil)
        #expect(UTF8Text.decode([0xc3]) == nil)              // cut short
        #expect(UTF8Text.decode([0xed, 0xa0, 0x80]) == nil)  // a surrogate
        #expect(UTF8Text.decode([0xc0, 0xaf]) == nil)        // overlong
        #expect(UTF8Text.decode([]) == "")
    }

    @Test func count_is_checked_before_reading() {
        #expect(throws: ArgumentError.self) { try InstanceIDs.checkCount(0) }
        #expect(throws: ArgumentError.self) { try InstanceIDs.checkCount(UInt.max) }
        #expect(throws: ArgumentError.self) { try InstanceIDs.checkCount(10_001) }
        #expect(throws: Never.self) { try InstanceIDs.checkCount(10_000) }
    }

    @Test func chunks_of_fifty_cover_every_index_once() {
        #expect(ChunkPlan.ranges(count: 120) == [0..<50, 50..<100, 100..<120])
        #expect(ChunkPlan.ranges(count: 50) == [0..<50])
        #expect(ChunkPlan.ranges(count: 1) == [0..<1])
        #expect(ChunkPlan.ranges(count: 1000).count == 20)
    }
}

struct AnswerTests {
    let ids: ArraySlice<String> = ["a", "b", "c"]

    func answer(_ status: Int, _ body: String, requestID: String = "rid", contentType: String = "application/json") -> AttemptResult {
        .answered(ServiceAnswer(HTTPAnswer(status: status, body: Array(body.utf8), requestID: requestID,
                                           contentType: contentType, retryAfterSeconds: nil), redactor: .init(secrets: [])))
    }

    @Test func results_are_matched_by_id_not_position() {
        let verdict = ChunkVerdict(ids: ids, attempt: answer(200, #"{"results":[{"instance":"c","result":"failed"},{"instance":"a","result":"success"},{"instance":"b","result":"success"}]}"#), retries: 0)
        #expect(verdict.outcomes == [.success, .success, .failed])
        #expect(verdict.status == .partial)
        #expect(verdict.failure?.requestID == "rid")
    }

    @Test func all_success_is_ok_without_failure() {
        let verdict = ChunkVerdict(ids: ["a"], attempt: answer(200, #"{"results":[{"instance":"a","result":"success"}]}"#), retries: 0)
        #expect(verdict.status == .ok)
        #expect(verdict.failure == nil)
    }

    @Test func a_missing_or_strange_result_is_unknown_and_a_protocol_error() {
        let verdict = ChunkVerdict(ids: ids, attempt: answer(200, #"{"results":[{"instance":"a","result":"success"},{"instance":"b","result":"maybe"}]}"#), retries: 0)
        #expect(verdict.outcomes == [.success, .unknown, .unknown])
        #expect(verdict.status == .protocolError)
    }

    @Test func wrong_types_or_garbage_are_unknown() {
        for body in [#"{"results":[{"instance":12,"result":true}]}"#, "not json", "", #"{"results":null}"#, "[]"] {
            let verdict = ChunkVerdict(ids: ids, attempt: answer(200, body), retries: 0)
            #expect(verdict.outcomes == [.unknown, .unknown, .unknown], "\(body)")
            #expect(verdict.status == .protocolError)
        }
    }

    @Test func refusals_fail_server_errors_are_unknown() {
        let refused = ChunkVerdict(ids: ids, attempt: answer(400, #"{"error_code":"DCS.4065","error_msg":"instances empty","error_ext_msg":null}"#), retries: 0)
        #expect(refused.outcomes == [.failed, .failed, .failed])
        #expect(refused.status == .api)
        #expect(refused.failure?.code == "DCS.4065")
        #expect(refused.failure?.httpStatus == 400)
        #expect(refused.failure?.message.contains("instances empty") == true)

        let broken = ChunkVerdict(ids: ids, attempt: answer(500, #"{"error_code":"DCS.5000","error_msg":"internal"}"#), retries: 0)
        #expect(broken.outcomes == [.unknown, .unknown, .unknown])
        #expect(broken.status == .api)
        #expect(broken.failure?.message.contains("may have been applied") == true)
    }

    @Test func an_html_page_still_gives_a_readable_message() {
        let verdict = ChunkVerdict(ids: ids, attempt: answer(502, "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad\nGateway</h1></body></html>", requestID: "", contentType: "text/html"), retries: 0)
        #expect(verdict.status == .api)
        #expect(verdict.failure?.code == "")
        let message = verdict.failure?.message ?? ""
        #expect(message.contains("502 Bad Gateway"))
        #expect(!message.contains("<"))
        #expect(!message.contains("\n"))
    }

    @Test func deeply_nested_json_is_refused_not_a_crash() {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        let verdict = ChunkVerdict(ids: ids, attempt: answer(200, deep), retries: 0)
        #expect(verdict.status == .protocolError)
        let error = ChunkVerdict(ids: ids, attempt: answer(400, "{\"error\":" + deep + "}"), retries: 0)
        #expect(error.status == .api)
    }

    @Test func nested_gateway_error_shape() {
        let details = AnswerDecoder.errorDetails(body: Array(#"{"error":{"code":"APIGW.0301","message":"bad sig"},"request_id":"r1"}"#.utf8), contentType: "",
                                                 redactor: .init(secrets: []))
        #expect(details == .init(code: "APIGW.0301", message: "bad sig", requestID: "r1"))
    }

    @Test func transport_failures_keep_not_sent_apart_from_unknown() {
        let refused = ChunkVerdict(ids: ids, attempt: .failed(.init(kind: .neverConnected, mayHaveReached: false, detail: "x")), retries: 2)
        #expect(refused.outcomes == [.notSent, .notSent, .notSent])
        #expect(refused.status == .transport)
        #expect(refused.failure?.message.contains("after 2 retries") == true)
        let timedOut = ChunkVerdict(ids: ids, attempt: .failed(.init(kind: .timeout, mayHaveReached: true, detail: "x")), retries: 0)
        #expect(timedOut.outcomes == [.unknown, .unknown, .unknown])
        #expect(timedOut.status == .timeout)
        let huge = ChunkVerdict(ids: ids, attempt: .failed(.init(kind: .answerTooLarge, mayHaveReached: true, detail: "x")), retries: 0)
        #expect(huge.status == .protocolError)
    }
}

struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 2)

    func answer(_ status: Int, retryAfter: Int? = nil) -> AttemptResult {
        .answered(ServiceAnswer(HTTPAnswer(status: status, body: [], requestID: "", contentType: "",
                                           retryAfterSeconds: retryAfter), redactor: .init(secrets: [])))
    }

    @Test func only_what_certainly_was_not_applied_is_retried() {
        #expect(policy.verdict(for: .failed(.init(kind: .neverConnected, mayHaveReached: false, detail: "")), history: .init(retries: 0)) != .final)
        for kind: TransportFailure.Kind in [.timeout, .connectionLost, .tls, .answerTooLarge, .malformedAnswer, .other] {
            #expect(policy.verdict(for: .failed(.init(kind: kind, mayHaveReached: true, detail: "")), history: .init(retries: 0)) == .final)
        }
        for status in [200, 400, 401, 404, 500, 502, 504] {
            #expect(policy.verdict(for: answer(status), history: .init(retries: 0)) == .final, "\(status)")
        }
        #expect(policy.verdict(for: answer(503), history: .init(retries: 0)) != .final)
        #expect(policy.verdict(for: answer(429), history: .init(retries: 1)) != .final)
        #expect(policy.verdict(for: answer(429), history: .init(retries: 2)) == .final)
        #expect(RetryPolicy(maxRetries: 0).verdict(for: answer(503), history: .init(retries: 0)) == .final)
    }

    @Test func busy_codes_are_terraform_s_and_dcs_4017_in_both_spellings() {
        let terraform = ["4026", "4049", "4096", "4097", "4111", "4113", "4114", "4115", "4116", "4117", "4118", "4120",
                         "4121", "4975"]
        let expected = Set((terraform + ["4017"]).flatMap { ["DCS.\($0)", "111400\($0.dropFirst())"] } + ["CBC.99003651"])
        #expect(RetryPolicy.busyCodes == expected)
        #expect(RetryPolicy.busyCodes.contains("111400049") && RetryPolicy.busyCodes.contains("111400975"))
        #expect(!RetryPolicy.busyCodes.contains("DCS.4065"))  // a bad request stays a bad request
    }

    @Test func waves_cover_every_index_once_in_order() {
        #expect(Rollout(waveSize: 5).waves(count: 12) == [0..<5, 5..<10, 10..<12])
        #expect(Rollout().waves(count: 12) == [0..<12])
        #expect(Rollout(waveSize: 12).waves(count: 12) == [0..<12])
        #expect(Rollout(waveSize: 100).waves(count: 3) == [0..<3])
        #expect(Rollout(waveSize: 1).waves(count: 3) == [0..<1, 1..<2, 2..<3])
    }

    @Test func retry_after_is_honoured_up_to_a_minute() {
        #expect(policy.verdict(for: answer(503, retryAfter: 3), history: .init(retries: 0)) == .retry(afterMs: 3000))
        #expect(policy.verdict(for: answer(503, retryAfter: 61), history: .init(retries: 0)) == .final)
        #expect(policy.verdict(for: answer(503, retryAfter: Int.max), history: .init(retries: 0)) == .final)
    }

    @Test func backoff_grows_with_jitter_and_stays_bounded() {
        for retries in 0..<20 {
            let delay = policy.backoffMs(retries: retries)
            let window = min(5_000, 200 << retries)
            #expect(delay >= window / 2 && delay <= window)
        }
    }
}

struct SecretTests {
    @Test func redactor_hides_secrets_and_signature_like_hex() {
        let redactor = SecretRedactor(secrets: ["kD9sSECRET", "tok/en"])
        let signature = String(repeating: "ab", count: 32)
        let text = redactor.redact("sk=kD9sSECRET token=tok/en sig=\(signature) id=0123456789abcdef0123456789abcdef")
        #expect(!text.contains("kD9sSECRET"))
        #expect(!text.contains("tok/en"))
        #expect(!text.contains(signature))
        #expect(text.contains("0123456789abcdef0123456789abcdef"))  // a 32-hex request id stays
    }

    @Test func credentials_never_describe_their_secrets() throws {
        let credentials = try Credentials.validatedAccessKey(ak: "AK1", sk: "SECRETSK", securityToken: "TOKEN")
        #expect(!"\(credentials)".contains("SECRETSK"))
        #expect(!"\(credentials)".contains("TOKEN"))
        #expect(!"\(Credentials.iamToken("IAMTOKEN"))".contains("IAMTOKEN"))
    }

    @Test func sdk_date_format() {
        #expect(SigningClock.sdkDate(epochSeconds: 1_795_939_200) == "20261129T080000Z")
        #expect(SigningClock.sdkDate(epochSeconds: 0) == "19700101T000000Z")
    }
}

struct SettingsTests {
    @Test func environment_applies_and_names_bad_variables() throws {
        var settings = ClientSettings()
        try settings.applyEnvironment { ["HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK",
                                         "HUAWEICLOUD_SDK_PROJECT_ID": "p1", "DCS_REGION": "cn-north-4"][$0] }
        let configuration = try settings.resolved()
        #expect(configuration.endpoint.baseURL == "https://dcs.cn-north-4.myhuaweicloud.com")
        #expect(configuration.projectID == "p1")

        var bad = ClientSettings()
        #expect(throws: ConfigurationError("DCS_ENDPOINT: url must start with https:// (or http:// for a loopback emulator)")) {
            try bad.applyEnvironment { ["DCS_ENDPOINT": "dcs.example.com"][$0] }
        }
        #expect(throws: ConfigurationError.self) {
            try bad.applyEnvironment { ["HUAWEICLOUD_SDK_SECURITY_TOKEN": "t"][$0] }
        }
    }

    @Test func explicit_endpoint_wins_over_region() throws {
        var settings = ClientSettings()
        try settings.setRegion("cn-north-4")
        try settings.setEndpoint("http://127.0.0.1:9")
        try settings.setProjectID("p")
        settings.setCredentials(.iamToken("t"))
        #expect(try settings.resolved().endpoint.baseURL == "http://127.0.0.1:9")
    }
}

/// The defaults the header promises are the ones a new config has.
struct HeaderDefaultsTests {
    static func headerMacro(_ name: String) throws -> UInt32 {
        let header = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("include/dcs.h")
        let text = try String(contentsOf: header, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("#define \(name) ") })
        return try #require(UInt32(line.split(separator: " ").last ?? ""))
    }

    @Test func new_settings_have_the_header_defaults() throws {
        let settings = ClientSettings()
        #expect(settings.connectTimeoutMs == (try Self.headerMacro("DCS_DEFAULT_CONNECT_TIMEOUT_MS")))
        #expect(settings.totalTimeoutMs == (try Self.headerMacro("DCS_DEFAULT_TOTAL_TIMEOUT_MS")))
        #expect(settings.maxRetries == (try Self.headerMacro("DCS_DEFAULT_MAX_RETRIES")))
        #expect(InstanceIDs.maxBytes == Int(try Self.headerMacro("DCS_MAX_ID_BYTES")))
        #expect(InstanceIDs.maxPerCall == Int(try Self.headerMacro("DCS_MAX_IDS_PER_CALL")))
        #expect(ChunkPlan.maxIDsPerRequest == Int(try Self.headerMacro("DCS_MAX_IDS_PER_REQUEST")))
    }
}

/// The JSON fast paths read and write exactly what Foundation's JSONDecoder reads.
struct JSONFastPathTests {
    struct Body: Decodable { let action: String; let instances: [String] }

    @Test func body_reads_back_with_json_decoder() throws {
        let ids = ["plain", "quote\"d", "back\\slash", "slash/", "caf\u{e9}", "\u{1F525}", "\u{2028}line",
                   "del\u{7f}", "tab\tnewline\n", "nul\u{0}"]
        let written = StatusRequestBody.encode(ids: ids[...], action: .flush)
        let read = try JSONDecoder().decode(Body.self, from: Data(written))
        #expect(read.instances == ids)
        #expect(read.action == "flush")
        #expect(String(decoding: StatusRequestBody.encode(ids: ["a", "b"], action: .restart), as: UTF8.self)
                == #"{"action":"restart","instances":["a","b"]}"#)
    }

    @Test func scanner_reads_the_answer_shape_in_any_spacing_and_order() throws {
        let body = " {\n \"results\" : [ {\"result\":\"failed\", \"instance\":\"a\\\"b\\u00e9\\ud83d\\udd25\\/\"} ,{\"instance\":\"c\",\"result\":\"success\"}]}\r\n"
        let entries = try #require(ResultsScanner.entries(Array(body.utf8)))
        #expect(entries.map(\.instance) == ["a\"b\u{e9}\u{1F525}/", "c"])
        #expect(entries.map(\.result) == ["failed", "success"])
        #expect(ResultsScanner.entries(Array(#"{"results":[]}"#.utf8))?.isEmpty == true)
    }

    @Test func scanner_leaves_everything_else_to_json_decoder() {
        for body in [#"{"results":[],"extra":1}"#, #"{"results":[{"instance":"a","result":"x","more":1}]}"#,
                     #"{"results":[{"instance":"a","instance":"b","result":"x"}]}"#, #"{"results":[{"instance":1,"result":"x"}]}"#,
                     #"{"results":[{"instance":"a"}]}"#, #"{"results":[]} x"#, #"{"results":[,]}"#,
                     #"{"results":[{"instance":"\ud800","result":"x"}]}"#, #"{"results":[{"instance":"\q","result":"x"}]}"#,
                     "{\"results\":[{\"instance\":\"a\u{1}\",\"result\":\"x\"}]}", "", "[]", #"{"results":null}"#] {
            #expect(ResultsScanner.entries(Array(body.utf8)) == nil, "\(body)")
        }
        #expect(ResultsScanner.entries([0x7b, 0x22, 0xff]) == nil)
        // Found by dcs-fuzz-answers: an unreadable value, then the same key again.
        let repeatedAfterInvalid = Array(#"{"results":[{"instance":"a","result":"x"#.utf8) + [0xb0]
            + Array(#"","result":"y"}]}"#.utf8)
        #expect(ResultsScanner.entries(repeatedAfterInvalid) == nil)
    }
}

/// Issue 10's rules for what leaves the library as text.
struct OutgoingTextTests {
    static let token = String((0..<1807).map { index in
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")[(index * 7919 + 13) % 65]
    })

    @Test func any_run_of_eight_characters_of_a_secret_is_hidden() {
        let redactor = SecretRedactor(secrets: [Self.token, "sk-short"])
        let token = Array(Self.token)
        for (start, length) in [(0, 1807), (500, 9), (1016, 8), (1800, 7), (3, 300)] {
            let piece = String(token[start..<min(start + length, token.count)])
            let shown = redactor.redact("before \(piece) after")
            if piece.count >= SecretRedactor.minimumRun {
                #expect(!shown.contains(piece), "a piece of \(piece.count) at \(start)")
                #expect(shown.contains("[redacted]"))
            } else {
                #expect(shown.contains(piece))  // shorter than a run: left
            }
            #expect(shown.hasPrefix("before ") && shown.hasSuffix(" after"))
        }
        #expect(redactor.redact("the key sk-short here") == "the key [redacted] here")
    }

    @Test func a_request_s_signatures_are_hidden_only_where_they_were_made() {
        let signature = String(repeating: "0123456789abcdef", count: 4)
        let client = SecretRedactor(secrets: [])
        let request = client.including([signature])
        let echoed = "rid=" + signature.dropFirst(20).prefix(12)
        #expect(request.redact(echoed) == "rid=[redacted]")
        #expect(client.redact(echoed) == echoed)  // 12 hex digits are a request id's business
        #expect(client.redact("sig=" + signature) == "sig=[redacted]")  // 64 hex digits: any signature
    }

    @Test func messages_are_one_line_without_bidirectional_controls() {
        let text = "a\u{2028}b\u{2029}c\u{202E}d\u{2066}e\u{85}f\u{7}g"
        #expect(Printable.oneLine(text) == "a b c d e f g")
        #expect(SecretRedactor(secrets: []).redact(text) == "a b c d e f g")
        #expect(Printable.clip("x\u{2028}\u{2028}y", maxCharacters: 10) == "x y")
        #expect(Printable.oneLine("plain ascii") == "plain ascii")
        #expect(Printable.oneLine("café 日本") == "café 日本")
    }

    @Test func error_details_are_redacted_before_they_are_cut() throws {
        let redactor = SecretRedactor(secrets: [Self.token])
        // The message is cut at 1024 characters: a token starting 1020 in must not leave its
        // first characters at the end of the cut.
        let message = String(repeating: "m", count: 1020) + Self.token
        let body = Array(#"{"error_code":"\#(Self.token.prefix(40))","error_msg":"\#(message)"}"#.utf8)
        let details = AnswerDecoder.errorDetails(body: body, contentType: "application/json", redactor: redactor)
        for text in [details.code, details.message] {
            let token = Array(Self.token)
            let shown = (0...(token.count - 8)).contains { text.contains(String(token[$0..<$0 + 8])) }
            #expect(!shown)
        }
        #expect(details.message.hasPrefix("mmmm"))
    }

    @Test func an_answer_that_lists_an_id_twice_says_nothing_of_it() throws {
        let body = Array(#"{"results":[{"instance":"a","result":"success"},{"instance":"b","result":"success"},{"instance":"a","result":"failed"},{"instance":"z","result":"success"}]}"#.utf8)
        let read = try AnswerDecoder.outcomes(for: ["a", "b"], body: body)
        #expect(read.outcomes == [.unknown, .success])
        #expect(read.repeated == ["a"] && read.unasked == ["z"])
        #expect(!read.complete)
    }

    @Test func ids_are_bytes_nfc_and_nfd_are_two() throws {
        let nfc = Array("caf\u{e9}".utf8), nfd = Array("cafe\u{301}".utf8)
        #expect(try InstanceIDs.validate([nfc, nfd]).count == 2)
        let body = Array(#"{"results":[{"instance":"cafe\u0301","result":"failed"},{"instance":"caf\u00e9","result":"success"}]}"#.utf8)
        let read = try AnswerDecoder.outcomes(for: ["caf\u{e9}", "cafe\u{301}"], body: body)
        #expect(read.outcomes == [.success, .failed])
        #expect(throws: ArgumentError.self) { try InstanceIDs.validate([Array(".".utf8)]) }
        #expect(throws: ArgumentError.self) { try InstanceIDs.validate([Array("..".utf8)]) }
        #expect(try InstanceIDs.validate([Array("...".utf8)]) == ["..."])
    }
}

/// The library reads answers without Foundation; JSONDecoder is the authority it must agree
/// with, input for input: the same values, or both refuse (dcs-fuzz-answers checks the same on
/// every input it makes). These are the inputs where JSONDecoder departs from RFC 8259.
struct ReadersAgreeWithJSONDecoderTests {
    struct ResultsShape: Decodable {
        struct Entry: Decodable { let instance: String; let result: String }
        let results: [Entry]
    }
    struct ErrorShape: Decodable {
        struct Nested: Decodable { let code: String?; let message: String? }
        let error_code: String?, error_msg: String?, request_id: String?
        let error: Nested?
    }
    struct InstanceShape: Decodable { let status: String }
    struct PageShape: Decodable {
        struct Entry: Decodable { let instance_id: String; let name, status, engine, engine_version: String? }
        let instance_num: Int?
        let instances: [Entry]
    }

    static func page(_ data: Data) -> (Int?, [AnswerDecoder.ListedEntry])? {
        (try? JSONDecoder().decode(PageShape.self, from: data)).map { page in
            (page.instance_num, page.instances.map {
                AnswerDecoder.ListedEntry(id: $0.instance_id, name: $0.name ?? "", status: $0.status ?? "",
                                          engine: $0.engine ?? "", engineVersion: $0.engine_version ?? "")
            })
        }
    }

    static let pages: [String] = [
        #"{"instance_num":2,"instances":[{"instance_id":"a","name":"n","status":"RUNNING","engine":"Redis","engine_version":"6.0","tags":[{"key":"k","value":"v"}],"capacity":1}]}"#,
        #"{"instances":[]}"#, #"{"instance_num":null,"instances":[{"instance_id":"a","name":null}]}"#,
        #"{"instance_num":2500.0,"instances":[]}"#, #"{"instance_num":2.5e3,"instances":[]}"#,
        #"{"instance_num":1.5,"instances":[]}"#, #"{"instance_num":-1,"instances":[]}"#, #"{"instance_num":-0,"instances":[]}"#,
        #"{"instance_num":1e999,"instances":[]}"#, #"{"instance_num":99999999999999999999,"instances":[]}"#,
        #"{"instance_num":"3","instances":[]}"#, #"{"instance_num":3}"#, #"{"instances":[{"name":"x"}]}"#,
        #"{"instances":[{"instance_id":5}]}"#, #"{"instances":[{"instance_id":"a","status":7}]}"#,
        #"{"instances":[{"instance_id":"a","instance_id":"b"}]}"#, #"{"instances":null}"#, #"{"instances":{}}"#,
        #"{"instance_num":1E2,"instances":[]}"#, #"{"instance_num":100e-2,"instances":[]}"#,
        #"{"instance_num":-.5e3,"instances":[]}"#,  // found by dcs-fuzz-answers
        #"{"instance_num":01,"instances":[]}"#, #"{"instance_num":1.,"instances":[]}"#, #"{"instance_num":1e,"instances":[]}"#,
        #"{"instance_num":+1,"instances":[]}"#, #"{"instance_num":1e+2,"instances":[]}"#, #"{"instance_num":-0.0,"instances":[]}"#,
        #"{"instance_num":1-2,"instances":[]}"#, #"{"instance_num":0e0,"instances":[]}"#,
    ]

    @Test(arguments: pages) func the_same_page(_ text: String) {
        let body = Array(text.utf8)
        let ours = AnswerDecoder.instancePage(body)
        let reference = Self.page(Data(body))
        #expect(ours?.instanceNum == reference?.0)
        #expect(ours?.entries == reference?.1)
        #expect((ours == nil) == (reference == nil))
    }

    static let bodies: [String] = [
        #"{"error_code":"A","error_code":"B"}"#, #"{"error_code":"\ud800"}"#, #"{"error_code":1}"#,
        #"{"error_code":null,"error_msg":"m"}"#, #" {"error_code":"A"} "#, #"{"error_code":"A"} x"#,
        #"{"error_code":"A",}"#, #"{"error_code":"A","x":[1,2,{"y":1e999}]}"#, #"{"error_code":"A","x":01}"#,
        #"{"error_code":"A","x":1.}"#, #"{"error_code":"A","x":NaN}"#, "\u{feff}{\"error_code\":\"A\"}",
        #"{"error_code":"A","x":"\q"}"#, #"{"error_code":"A","x":"\u12"}"#, #"{"error_code":"A","x":"\uS.40"}"#,
        "{\"error_code\":\"A\",\"x\":\"a\u{1}\"}", "{\"error_code\":\"a\u{1}b\"}", #"{"error_code":"A",,}"#,
        #"{"error_code":"A","x":[1,2,],}"#, #"{"error_code":"A","x":[,]}"#, #"{"error_code":"A","x":--1}"#,
        #"{"error_code":"A","x":e1}"#, #"{"error_code":"A","x":null1}"#, #"{"error_code":"\uD800\u0041"}"#,
        #"{"error_code":"A","error":5}"#, #"{"error":{"code":"B","message":7}}"#, #"{"error":{"in\ta":1},"error_msg":"m"}"#,
        "\u{a0}{\"error_code\":\"A\"}", "{\"error_code\":\"A\"}\u{0}", #"{"results":[{"instance":"a","result":"x","instance":"b"}]}"#,
        #"{"results":[{"instance":"a","result":"x"}],"results":[]}"#, #"{"results":[{"instance":"a"}]}"#,
        #"{"results":null}"#, #"{"results":[{"instance":"a","result":"s","x":{"\u":1}}]}"#,
        #"{"x":"\ud\/\"}"#, #"{"x":"\u":"n"}"#, #"{"x":"\uab\"}"#, #"{"x":"\uabc\"}"#, #"{"x":"\u00":"}"#,
        #"{"results":[{"instance":"\ud\/\"}]}"#,  // found by dcs-fuzz-answers
        #"{"status":"RUNNING","x":{"y":[true,false,null]}}"#, #"{"status":5}"#, #"[{"status":"RUNNING"}]"#,
        "{\"status\":\"RUNNING\",\"x\":" + String(repeating: "[", count: 510) + String(repeating: "]", count: 510) + "}",
        "{\"status\":\"RUNNING\",\"x\":" + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}",
        "{\"status\":\"RUNNING\",\"x\":" + String(repeating: "[", count: 512) + String(repeating: "]", count: 512) + "}",
    ]

    @Test(arguments: bodies) func the_same_reading(_ text: String) {
        let body = Array(text.utf8), data = Data(body), decoder = JSONDecoder()
        let results = (try? decoder.decode(ResultsShape.self, from: data))?.results.map { [$0.instance, $0.result] }
        #expect(AnswerDecoder.resultEntries(body)?.map { [$0.instance, $0.result] } == results)
        let error = (try? decoder.decode(ErrorShape.self, from: data)).map {
            AnswerDecoder.ErrorBody(errorCode: $0.error_code, errorMessage: $0.error_msg, requestID: $0.request_id,
                                    nestedCode: $0.error?.code, nestedMessage: $0.error?.message)
        }
        #expect(AnswerDecoder.errorBody(body) == error)
        let status = (try? decoder.decode(InstanceShape.self, from: data)).map { InstanceStatus(serviceName: $0.status) }
        #expect(AnswerDecoder.instanceStatus(body: body) == status)
    }
}
