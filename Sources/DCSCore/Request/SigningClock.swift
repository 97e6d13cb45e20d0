#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The time requests are signed with (`X-Sdk-Date`, UTC, `%Y%m%dT%H%M%SZ`): the local clock,
/// moved by the offset to the service's clock once `RetryPolicy` found the two too far apart.
final class SigningClock: Sendable {
    // An atomic, not a lock: a fork while another thread held a lock would leave the child's
    // copy held forever.
    private let offsetSeconds = Atomic<Int>(0)

    var offset: Int { offsetSeconds.load(ordering: .relaxed) }

    func sdkDate() -> String {
        Self.sdkDate(epochSeconds: time(nil) + time_t(offset))
    }

    /// How far `serviceSeconds` is ahead of the time this clock signs with now.
    func skewSeconds(toServiceTime serviceSeconds: Int) -> Int {
        serviceSeconds - (Int(time(nil)) + offset)
    }

    /// Signs with the service's time from now on; the offset to the local clock.
    func adopt(serviceTime serviceSeconds: Int) -> Int {
        let offset = serviceSeconds - Int(time(nil))
        offsetSeconds.store(offset, ordering: .relaxed)
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
