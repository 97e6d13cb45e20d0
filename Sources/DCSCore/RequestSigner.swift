import Crypto

/// Signs requests with `SDK-HMAC-SHA256`, byte for byte as Huawei Cloud's SDK signers do
/// (see `dcs-api.md`): the emulator verifies with the same code, and the conformance vectors
/// and a cross-check against Huawei's Python signer keep both honest.
public struct RequestSigner: Sendable {
    public static let algorithm = "SDK-HMAC-SHA256"

    public let accessKey: String
    /// The HMAC already keyed with the SK: each signature starts from a copy of it.
    private let keyedMAC: HMAC<SHA256>

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        keyedMAC = HMAC<SHA256>(key: SymmetricKey(data: Array(secretKey.utf8)))
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

    /// The `Authorization` header value of a request with `headers` and this `X-Sdk-Date`.
    public func authorization(method: String, path: String, headers: HeaderSet, date: String, body: [UInt8]) -> String {
        var lines = headers.linesBeforeDate
        lines.reserveCapacity(lines.count + headers.linesAfterDate.count + 32)
        Self.appendCanonicalLine((name: "x-sdk-date", value: date), to: &lines)
        lines += headers.linesAfterDate
        let canonical = Self.canonicalRequest(method: method, path: path, query: [], canonicalHeaderLines: lines,
                                              signedNames: headers.signedNames, body: body)
        return authorizationValue(signedNames: headers.signedNames, signature: sign(canonical, date: date))
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
        Hex.append(SHA256.hash(data: canonical), to: &stringToSign)
        var mac = keyedMAC
        mac.update(data: stringToSign)
        return Hex.encode(mac.finalize())
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
        Hex.append(SHA256.hash(data: body), to: &out)
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

/// Percent-encoding of everything but the unreserved characters `A-Z a-z 0-9 - _ . ~`.
/// Public for the emulator, which decodes paths by the same rule it verifies signatures with.
public enum PercentEncoding {
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    public static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(Hex.upperDigits[Int(byte >> 4)])
                out.append(Hex.upperDigits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` sequences; a malformed one is kept as it is, as Python's `unquote` does.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "%")) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = Hex.value(of: bytes[index + 1]), let low = Hex.value(of: bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

enum Hex {
    static let lowerDigits = Array("0123456789abcdef".utf8)
    static let upperDigits = Array("0123456789ABCDEF".utf8)

    static func append<Bytes: Sequence>(_ bytes: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in bytes {
            out.append(lowerDigits[Int(byte >> 4)])
            out.append(lowerDigits[Int(byte & 0x0f)])
        }
    }

    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks; looks at bytes, not
    /// characters, and returns the string itself when there is nothing to trim.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d || $0 == 0x0a }
        let bytes = utf8
        guard let first = bytes.first, let last = bytes.last, isSpace(first) || isSpace(last) else { return self }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }),
              let end = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
