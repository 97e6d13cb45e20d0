import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Header bytes as the transport keeps them.
enum HeaderValue {
    /// Enough for any value the service sends; what is shown of one is cut shorter, after
    /// redaction (`ServiceAnswer`).
    static let maxBytes = 8192

    /// ASCII case-insensitive comparison with a lower-case name.
    static func nameIs(_ bytes: Slice<UnsafeRawBufferPointer>, _ lowercased: StaticString) -> Bool {
        guard bytes.count == lowercased.utf8CodeUnitCount else { return false }
        return lowercased.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { byte, wanted in
                (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) == wanted
            }
        }
    }

    /// The value without surrounding white space, printable ASCII only (anything else is
    /// dropped: a hostile value cannot put control characters into a message), at most `maxBytes`.
    static func text(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var kept: [UInt8] = []
        kept.reserveCapacity(min(bytes.count, maxBytes))
        for byte in bytes where byte >= 0x20 && byte < 0x7f {
            if kept.count == maxBytes { break }
            if byte == 0x20 && kept.isEmpty { continue }
            kept.append(byte)
        }
        while kept.last == 0x20 { kept.removeLast() }
        return String(decoding: kept, as: UTF8.self)
    }

    /// Retry-After is either seconds or an HTTP date. Capped at a day: no policy waits that long,
    /// and a hostile value must not overflow later arithmetic.
    static func retryAfterSeconds(_ value: String) -> Int? {
        let day = 86_400
        if let seconds = Int(value) { return min(max(0, seconds), day) }
        guard let when = httpDate(value) else { return nil }
        let now = Int(time(nil))
        return when <= now ? 0 : min(when - now, day)
    }

    /// An HTTP date (`Date`, `Retry-After`) in seconds since the epoch; nil when it does not parse.
    static func httpDate(_ value: String) -> Int? {
        guard !value.isEmpty else { return nil }
        let when = curl_getdate(value, nil)
        return when > 0 ? Int(when) : nil
    }
}
