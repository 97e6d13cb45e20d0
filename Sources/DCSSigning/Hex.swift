/// Hex digits as the signature, the canonical request and JSON escapes write them.
public enum Hex {
    public static let lowerDigits = Array("0123456789abcdef".utf8)
    public static let upperDigits = Array("0123456789ABCDEF".utf8)

    public static func append<Bytes: Sequence>(_ bytes: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        out.reserveCapacity(out.count + 2 * bytes.underestimatedCount)
        for byte in bytes {
            out.append(lowerDigit(byte >> 4))
            out.append(lowerDigit(byte & 0x0f))
        }
    }

    /// Computed, not looked up: three digests a request, each byte on the hot path.
    @inline(__always)
    private static func lowerDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &- 10 &+ nibble
    }

    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
