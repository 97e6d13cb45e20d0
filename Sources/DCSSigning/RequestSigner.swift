
/// Signs requests with `SDK-HMAC-SHA256`, byte for byte as Huawei Cloud's SDK signers do
/// (see `dcs-api.md`): the emulator verifies with the same code, and the conformance vectors
/// and a cross-check against Huawei's Python signer keep both honest.
public struct RequestSigner: Sendable {
    public static let algorithm = "SDK-HMAC-SHA256"

    public let accessKey: String
    /// The SK, set up once as an HMAC key.
    private let key: Digest.HMACKey

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        key = Digest.HMACKey(Array(secretKey.utf8))
    }

    /// The hex signature of a request. `headers` are exactly the signed headers, `X-Sdk-Date`
    /// among them; `path` is the request path as sent (percent-encoded or not).
    public func signature(method: String, path: String, query: [(String, String)] = [],
                          headers: [(name: String, value: String)], body: [UInt8]) -> String {
        sign(method: method, path: path, query: query, headers: Self.canonicalHeaders(headers), body: body)
    }

    /// The `Authorization` header value for a request signed with these headers.
    public func authorization(method: String, path: String, query: [(String, String)] = [],
                              headers: [(name: String, value: String)], body: [UInt8]) -> String {
        let canonical = Self.canonicalHeaders(headers)
        let signature = sign(method: method, path: path, query: query, headers: canonical, body: body)
        return authorizationValue(signedNames: Self.signedHeaderNames(canonical), signature: signature)
    }

    private func authorizationValue(signedNames: String, signature: String) -> String {
        "\(Self.algorithm) Access=\(accessKey), SignedHeaders=\(signedNames), Signature=\(signature)"
    }

    /// The headers every request of a client signs, put in canonical form once: only the date
    /// changes from one request to the next.
    public struct HeaderSet: Sendable {
        /// The canonical header lines that sort before `x-sdk-date`, and after it.
        fileprivate let linesBeforeDate: [UInt8]
        fileprivate let linesAfterDate: [UInt8]
        public let signedNames: String

        /// `headers` without X-Sdk-Date, which each request adds.
        public init(_ headers: [(name: String, value: String)]) {
            let canonical = RequestSigner.canonicalHeaders(headers + [("x-sdk-date", "")])
            var before: [UInt8] = [], after: [UInt8] = []
            var seenDate = false
            for header in canonical {
                if header.name == "x-sdk-date" { seenDate = true; continue }
                if seenDate {
                    RequestSigner.appendCanonicalLine(header, to: &after)
                } else {
                    RequestSigner.appendCanonicalLine(header, to: &before)
                }
            }
            linesBeforeDate = before
            linesAfterDate = after
            signedNames = RequestSigner.signedHeaderNames(canonical)
        }
    }

    /// An `Authorization` header value and the signature in it, which the client keeps out of
    /// what it shows.
    public struct SignedAuthorization: Sendable {
        public let value: String
        public let signature: String
    }

    /// The `Authorization` of a request with `headers` and this `X-Sdk-Date`.
    public func authorization(method: String, path: String, query: [(String, String)] = [], headers: HeaderSet,
                              date: String, body: [UInt8]) -> SignedAuthorization {
        var lines = headers.linesBeforeDate
        lines.reserveCapacity(lines.count + headers.linesAfterDate.count + 32)
        Self.appendCanonicalLine((name: "x-sdk-date", value: date), to: &lines)
        lines += headers.linesAfterDate
        let canonical = Self.canonicalRequest(method: method, path: path, query: query, canonicalHeaderLines: lines,
                                              signedNames: headers.signedNames, body: body)
        let signature = sign(canonical, date: date)
        return SignedAuthorization(value: authorizationValue(signedNames: headers.signedNames, signature: signature),
                                   signature: signature)
    }

    /// `headers` in canonical form (`canonicalHeaders`).
    private func sign(method: String, path: String, query: [(String, String)],
                      headers: [(name: String, value: String)], body: [UInt8]) -> String {
        var lines: [UInt8] = []
        for header in headers { Self.appendCanonicalLine(header, to: &lines) }
        let canonical = Self.canonicalRequest(method: method, path: path, query: query, canonicalHeaderLines: lines,
                                              signedNames: Self.signedHeaderNames(headers), body: body)
        return sign(canonical, date: headers.first { $0.name == "x-sdk-date" }?.value ?? "")
    }

    /// The signature of a canonical request: HMAC-SHA256 of the string to sign, in hex.
    private func sign(_ canonical: [UInt8], date: String) -> String {
        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(128)
        stringToSign.append(contentsOf: Self.algorithm.utf8)
        stringToSign.append(UInt8(ascii: "\n"))
        stringToSign.append(contentsOf: date.utf8)
        stringToSign.append(UInt8(ascii: "\n"))
        Hex.append(Digest.sha256(canonical), to: &stringToSign)
        return Hex.encode(key.authenticate(stringToSign))
    }

    /// Names lower-cased, values trimmed, sorted by name.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.map { (name: $0.name.lowercased(), value: $0.value.trimmingASCIIWhitespace()) }
            .sorted { $0.name < $1.name }
    }

    /// `name:value` and a newline: one header of the canonical request.
    static func appendCanonicalLine(_ header: (name: String, value: String), to lines: inout [UInt8]) {
        lines.append(contentsOf: header.name.utf8)
        lines.append(UInt8(ascii: ":"))
        lines.append(contentsOf: header.value.utf8)
        lines.append(UInt8(ascii: "\n"))
    }

    static func signedHeaderNames(_ canonical: [(name: String, value: String)]) -> String {
        canonical.map(\.name).joined(separator: ";")
    }

    /// The canonical request's bytes: method, URI, query, headers (`name:value` lines, canonical
    /// and sorted), signed header names and the body's hash, each on its own line.
    static func canonicalRequest(method: String, path: String, query: [(String, String)],
                                 canonicalHeaderLines: [UInt8], signedNames: String, body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(contentsOf: method.uppercased().utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: canonicalURI(path).utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: canonicalQuery(query).utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: canonicalHeaderLines)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: signedNames.utf8)
        out.append(UInt8(ascii: "\n"))
        Hex.append(Digest.sha256(body), to: &out)
        return out
    }

    /// Each segment percent-decoded, then encoded again, and a trailing `/` added: Huawei's rule.
    static func canonicalURI(_ path: String) -> String {
        // Most paths hold only unreserved characters and slashes: encoding leaves them as they are.
        if path.utf8.allSatisfy({ $0 == UInt8(ascii: "/") || PercentEncoding.isUnreserved($0) }) {
            return path.hasSuffix("/") ? path : path + "/"
        }
        var uri = PercentEncoding.decode(path)
            .split(separator: "/", omittingEmptySubsequences: false)
            .map { PercentEncoding.encode(String($0)) }
            .joined(separator: "/")
        if !uri.hasSuffix("/") { uri += "/" }
        return uri
    }

    static func canonicalQuery(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        return query.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }
            .joined(separator: "&")
    }
}
