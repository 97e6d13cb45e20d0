#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Wall-clock time in the formats the API uses: the RFC 1123 `Date` header of every answer, the
/// `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`, UTC) of a signed request and the ISO 8601 `created_at` of an
/// instance.
enum WallClock {
    static func now() -> Int { Int(time(nil)) }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    static func httpDate(_ seconds: Int = now()) -> String {
        let parts = utcFields(seconds)
        return "\(weekdays[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) GMT"
    }

    /// `2026-01-01T08:30:00.000Z`
    static func iso8601(_ seconds: Int) -> String {
        let parts = utcFields(seconds)
        return "\(parts.tm_year + 1900)-\(twoDigits(parts.tm_mon + 1))-\(twoDigits(parts.tm_mday))T"
            + "\(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)).000Z"
    }

    private static func utcFields(_ seconds: Int) -> tm {
        var clock = time_t(seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        return parts
    }

    private static func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Seconds since the epoch of an `X-Sdk-Date` value, or nil when it is not exactly
    /// `YYYYMMDDTHHMMSSZ` with plausible fields.
    static func parseSDKDate(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int32(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Int(timegm(&parts))
    }
}

/// The emulator's own clock: wall-clock time shifted by an offset in seconds (negative: behind),
/// so that a test can put the emulator's clock off a client's. The `Date` header and the
/// `X-Sdk-Date` check both read it; `POST /_emulator/clock` moves it, a reset puts back the
/// offset it started with.
final class EmulatorClock: Sendable {
    /// About a century either way: far enough for any test, near enough that every date stays
    /// a four-digit year.
    static let offsetLimit = 100 * 365 * 86_400

    let initialOffset: Int
    private let offset: Atomic<Int>

    init(offsetSeconds: Int) {
        initialOffset = offsetSeconds
        offset = Atomic(offsetSeconds)
    }

    var offsetSeconds: Int { offset.load(ordering: .relaxed) }

    /// Seconds since the epoch, as the emulator sees it.
    func now() -> Int { WallClock.now() + offsetSeconds }

    func setOffset(_ seconds: Int) { offset.store(seconds, ordering: .relaxed) }

    func reset() { setOffset(initialOffset) }
}
