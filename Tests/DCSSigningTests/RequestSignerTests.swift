import Testing
@testable import DCSSigning

/// The conformance vectors of `dcs-api.md`, computed with Huawei's official Python signer.
struct RequestSignerTests {
    static let projectID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    static let signer = RequestSigner(accessKey: "HPUAXXXXXXXXXXXXXXXX",
                                      secretKey: "kD9sExampleSecretKey0000000000000000000")

    @Test func vector1_minimal_put() {
        let signer = RequestSigner(accessKey: "AK", secretKey: "SK")
        let signature = signer.signature(
            method: "PUT", path: "/v2/PID/instances/status",
            headers: [("Content-Type", "application/json;charset=UTF-8"), ("Host", "h"),
                      ("X-Sdk-Date", "20240101T000000Z")],
            body: Array(#"{"instances": ["a", "b"], "action": "restart"}"#.utf8))
        #expect(signature == "daca9d32274821d3c54978193a74947a5e35f4d9a613709767eefed3538631d6")
    }

    @Test func vector2_flush_with_project_header() {
        let signature = Self.signer.signature(
            method: "PUT", path: "/v2/\(Self.projectID)/instances/status",
            headers: [("Content-Type", "application/json"), ("Host", "dcs.cn-north-4.myhuaweicloud.com"),
                      ("X-Project-Id", Self.projectID), ("X-Sdk-Date", "20261129T080000Z")],
            body: Array(#"{"instances":["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"],"action":"flush"}"#.utf8))
        #expect(signature == "0f270d1b6d493157fa5a2578937b9698ef667051b4934ccaf8c550c3b81e308e")
    }

    @Test func vector3_security_token_and_port_in_host() {
        let signature = Self.signer.signature(
            method: "PUT", path: "/v2/\(Self.projectID)/instances/status",
            headers: [("Content-Type", "application/json"), ("Host", "127.0.0.1:8443"),
                      ("X-Project-Id", Self.projectID), ("X-Sdk-Date", "20261129T080000Z"),
                      ("X-Security-Token", "tok/en+with=chars")],
            body: Array(#"{"instances":["a","b"],"action":"soft_restart"}"#.utf8))
        #expect(signature == "2733676d65284b0fbc6c55e40f7d410b960fb8a2cfff465c980310ef75c9ae0c")
    }

    @Test func vector4_get_without_body() {
        let signature = Self.signer.signature(
            method: "GET", path: "/v2/\(Self.projectID)/instances/2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef",
            headers: [("Content-Type", "application/json"), ("Host", "dcs.cn-north-4.myhuaweicloud.com"),
                      ("X-Project-Id", Self.projectID), ("X-Sdk-Date", "20261129T080000Z")],
            body: [])
        #expect(signature == "4b8ce274b48ae777594815f27a16f6e06bab9b04f61dbc1560a884feb932e395")
    }

    /// The prepared header set, as the client signs every request, gives the vectors' signatures.
    @Test func prepared_headers_sign_as_the_vectors() {
        let base: [(name: String, value: String)] = [("Content-Type", "application/json"),
                                                     ("Host", "127.0.0.1:8443"), ("X-Project-Id", Self.projectID)]
        let withToken = RequestSigner.HeaderSet(base + [("X-Security-Token", "tok/en+with=chars")])
        let authorization = Self.signer.authorization(
            method: "PUT", path: "/v2/\(Self.projectID)/instances/status", headers: withToken,
            date: "20261129T080000Z", body: Array(#"{"instances":["a","b"],"action":"soft_restart"}"#.utf8)).value
        #expect(authorization.hasSuffix("Signature=2733676d65284b0fbc6c55e40f7d410b960fb8a2cfff465c980310ef75c9ae0c"))
        #expect(authorization.contains("SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,"))
        let plain = RequestSigner.HeaderSet([("Content-Type", "application/json"),
                                             ("Host", "dcs.cn-north-4.myhuaweicloud.com"), ("X-Project-Id", Self.projectID)])
        let get = Self.signer.authorization(
            method: "GET", path: "/v2/\(Self.projectID)/instances/2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef",
            headers: plain, date: "20261129T080000Z", body: []).value
        #expect(get.hasSuffix("Signature=4b8ce274b48ae777594815f27a16f6e06bab9b04f61dbc1560a884feb932e395"))
    }

    @Test func header_order_does_not_change_the_signature() {
        let headers: [(name: String, value: String)] = [
            ("Host", "h"), ("X-Sdk-Date", "20240101T000000Z"), ("Content-Type", "application/json")]
        let a = Self.signer.signature(method: "PUT", path: "/p", headers: headers, body: [1])
        let b = Self.signer.signature(method: "PUT", path: "/p", headers: headers.reversed(), body: [1])
        #expect(a == b)
    }

    @Test func canonical_uri_encodes_segments_and_adds_trailing_slash() {
        #expect(RequestSigner.canonicalURI("/v2/p/instances/status") == "/v2/p/instances/status/")
        #expect(RequestSigner.canonicalURI("/a b/c%2Fd/") == "/a%20b/c/d/")
        #expect(RequestSigner.canonicalURI("/caf%C3%A9") == "/caf%C3%A9/")
    }

    @Test func authorization_header_names_the_signed_headers_sorted() {
        let value = Self.signer.authorization(
            method: "PUT", path: "/p",
            headers: [("X-Sdk-Date", "20240101T000000Z"), ("Host", "h"), ("Content-Type", "application/json")],
            body: [])
        #expect(value.hasPrefix("SDK-HMAC-SHA256 Access=HPUAXXXXXXXXXXXXXXXX, SignedHeaders=content-type;host;x-sdk-date, Signature="))
    }
}
