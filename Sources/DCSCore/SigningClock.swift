#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers

/// The time requests are signed with (`X-Sdk-Date`, UTC, `%Y%m%dT%H%M%SZ`): the local clock,
/// corrected by the offset to the service's clock once an answer showed the two disagree.
final class SigningClock: Sendable {
    /// Past this, a 401 is taken for a clock problem: the gateway allows 15 minutes.
    static let tolerableSkewSeconds = 300

    private let offsetSeconds = NIOLockedValueBox(0)

    var offset: Int { offsetSeconds.withLockedValue { $0 } }

    func sdkDate() -> String {
        Self.sdkDate(epochSeconds: time(nil) + time_t(offset))
    }

    /// Adopts the service's clock when it is further from ours than we tolerate; the offset
    /// learnt, or nil when the clocks agree well enough.
    func correct(toServiceTime serviceSeconds: Int) -> Int? {
        let offset = serviceSeconds - Int(time(nil))
        guard abs(offset - self.offset) > Self.tolerableSkewSeconds else { return nil }
        offsetSeconds.withLockedValue { $0 = offset }
        return offset
    }

    static func sdkDate(epochSeconds: time_t) -> String {
        var seconds = epochSeconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = [UInt8](repeating: UInt8(ascii: "0"), count: 16)
        func put(_ value: Int32, width: Int, at offset: Int) {
            var rest = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(parts.tm_year + 1900, width: 4, at: 0)
        put(parts.tm_mon + 1, width: 2, at: 4)
        put(parts.tm_mday, width: 2, at: 6)
        text[8] = UInt8(ascii: "T")
        put(parts.tm_hour, width: 2, at: 9)
        put(parts.tm_min, width: 2, at: 11)
        put(parts.tm_sec, width: 2, at: 13)
        text[15] = UInt8(ascii: "Z")
        return String(decoding: text, as: UTF8.self)
    }
}
