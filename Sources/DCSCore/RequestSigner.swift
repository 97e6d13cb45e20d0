import Crypto

/// Signs requests with `SDK-HMAC-SHA256`, byte for byte as Huawei Cloud's SDK signers do
/// (see `dcs-api.md`): the emulator verifies with the same code, and the conformance vectors
/// and a cross-check against Huawei's Python signer keep both honest.
public struct RequestSigner: Sendable {
    public static let algorithm = "SDK-HMAC-SHA256"

    public let accessKey: String
    private let secretKey: SymmetricKey

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        self.secretKey = SymmetricKey(data: Array(secretKey.utf8))
    }

    /// The hex signature of a request. `headers` are exactly the signed headers, `X-Sdk-Date`
    /// among them; `path` is the request path as sent (percent-encoded or not).
    public func signature(method: String, path: String, query: [(String, String)] = [],
                          headers: [(name: String, value: String)], body: [UInt8]) -> String {
        let canonical = Self.canonicalRequest(method: method, path: path, query: query,
                                              headers: headers, body: body)
        let date = headers.first { $0.name.lowercased() == "x-sdk-date" }?.value
            .trimmingASCIIWhitespace() ?? ""
        let stringToSign = "\(Self.algorithm)\n\(date)\n\(Hex.encode(SHA256.hash(data: Array(canonical.utf8))))"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: secretKey)
        return Hex.encode(mac)
    }

    /// The `Authorization` header value for a request signed with these headers.
    public func authorization(method: String, path: String, query: [(String, String)] = [],
                              headers: [(name: String, value: String)], body: [UInt8]) -> String {
        let signed = Self.signedHeaderNames(headers)
        let signature = signature(method: method, path: path, query: query, headers: headers, body: body)
        return "\(Self.algorithm) Access=\(accessKey), SignedHeaders=\(signed), Signature=\(signature)"
    }

    static func signedHeaderNames(_ headers: [(name: String, value: String)]) -> String {
        headers.map { $0.name.lowercased() }.sorted().joined(separator: ";")
    }

    static func canonicalRequest(method: String, path: String, query: [(String, String)],
                                 headers: [(name: String, value: String)], body: [UInt8]) -> String {
        let canonicalHeaders = headers
            .map { (name: $0.name.lowercased(), value: $0.value.trimmingASCIIWhitespace()) }
            .sorted { $0.name < $1.name }
            .map { "\($0.name):\($0.value)\n" }
            .joined()
        return [
            method.uppercased(),
            canonicalURI(path),
            canonicalQuery(query),
            canonicalHeaders,
            signedHeaderNames(headers),
            Hex.encode(SHA256.hash(data: body)),
        ].joined(separator: "\n")
    }

    /// Each segment percent-decoded, then encoded again, and a trailing `/` added: Huawei's rule.
    static func canonicalURI(_ path: String) -> String {
        var uri = PercentEncoding.decode(path)
            .split(separator: "/", omittingEmptySubsequences: false)
            .map { PercentEncoding.encode(String($0)) }
            .joined(separator: "/")
        if !uri.hasSuffix("/") { uri += "/" }
        return uri
    }

    static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
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

    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(lowerDigits[Int(byte >> 4)])
            out.append(lowerDigits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func encode<D: Digest>(_ digest: D) -> String { encode(Array(digest)) }

    static func encode(_ code: HashedAuthenticationCode<SHA256>) -> String { encode(Array(code)) }

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
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
