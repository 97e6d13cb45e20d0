#if canImport(Glibc)
import Glibc
#endif

/// The time a request is signed with, as `X-Sdk-Date` (UTC, `%Y%m%dT%H%M%SZ`).
struct SigningClock: Sendable {
    func sdkDate() -> String {
        Self.sdkDate(epochSeconds: time(nil))
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
