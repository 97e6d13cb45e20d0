#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line per request on stderr: method, path (without the query), status, X-Request-Id and
/// milliseconds. Nothing else from a request is ever written: no header value, no body.
struct RequestLog: Sendable {
    let quiet: Bool

    func record(method: String, path: String, status: String, requestID: String, since start: ContinuousClock.Instant) {
        guard !quiet else { return }
        let elapsed = ContinuousClock.now - start
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        Self.writeLine(to: STDERR_FILENO, "\(method) \(path) \(status) \(requestID) \(milliseconds)ms")
    }

    /// Writes the line with one `write(2)`, so lines from several event loops never interleave.
    static func writeLine(to descriptor: Int32, _ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}

/// A fresh `X-Request-Id`: 32 lowercase hex digits.
enum RequestID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for _ in 0..<2 {
            var word = generator.next() as UInt64
            for _ in 0..<16 {
                out.append(digits[Int(word & 0xf)])
                word >>= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
