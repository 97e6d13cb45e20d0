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
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
    }
}
