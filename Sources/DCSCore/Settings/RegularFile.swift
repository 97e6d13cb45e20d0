#if canImport(Glibc)
import Glibc
#endif

/// The files the library reads (the CA file, Huawei's credentials file) are opened without
/// blocking and must be regular files: a FIFO or a device in their place would make a call wait
/// forever, past every timeout, in `open` or `read`.
public enum RegularFile {
    /// Why `path` cannot serve as a file to read, or nil when it can.
    public static func problem(opening path: String) -> String? {
        switch open(path) {
        case let .success(descriptor):
            close(descriptor)
            return nil
        case let .failure(problem):
            return problem.description
        }
    }

    /// The text of the file at `path`, at most `limit` bytes; the problem when it cannot be read.
    public static func readText(_ path: String, limit: Int) -> Result<String, Problem> {
        let descriptor: Int32
        switch open(path) {
        case let .success(opened): descriptor = opened
        case let .failure(problem): return .failure(problem)
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .failure(.unreadable) }
            if count == 0 { return .success(String(decoding: bytes, as: UTF8.self)) }
            bytes += buffer[..<count]
            if bytes.count > limit { return .failure(.tooLarge(limit)) }
        }
    }

    public enum Problem: Error, CustomStringConvertible {
        case unreadable, notRegular, tooLarge(Int)

        public var description: String {
            switch self {
            case .unreadable: "cannot be read"
            case .notRegular: "is not a regular file"
            case let .tooLarge(limit): "is larger than \(limit) bytes"
            }
        }
    }

    private static func open(_ path: String) -> Result<Int32, Problem> {
        let descriptor = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { return .failure(.unreadable) }
        var information = stat()
        guard fstat(descriptor, &information) == 0, (information.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return .failure(.notRegular)
        }
        return .success(descriptor)
    }
}
