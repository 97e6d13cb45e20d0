/// The service's base URL, checked for form: scheme, host, optional port, nothing else.
public struct Endpoint: Sendable, Equatable {
    public enum Scheme: String, Sendable {
        case http, https
        var defaultPort: Int { self == .https ? 443 : 80 }
    }

    public let scheme: Scheme
    /// Lower-cased; an IPv6 literal keeps its brackets.
    public let host: String
    public let port: Int?

    /// Parses "https://host[:port][/]". The error message names `argument`.
    public init(parsing text: String, argument: String) throws(ArgumentError) {
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            scheme = .https
            rest = lowered.dropFirst("https://".count)
        } else if lowered.hasPrefix("http://") {
            scheme = .http
            rest = lowered.dropFirst("http://".count)
        } else {
            throw ArgumentError("\(argument) must start with https:// (or http:// for a loopback emulator)")
        }
        var authority = rest
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty else { throw ArgumentError("\(argument) has no host") }
        if let bad = authority.first(where: { "/?#@ \\".contains($0) || $0.asciiValue.map { $0 < 0x21 || $0 > 0x7e } ?? true }) {
            let what = bad == "/" ? "a path" : bad == "?" ? "a query" : bad == "#" ? "a fragment"
                : bad == "@" ? "user information" : "a character that is not allowed in a host"
            throw ArgumentError("\(argument) holds \(what): give only scheme, host and port, e.g. https://dcs.cn-north-4.myhuaweicloud.com")
        }

        var hostPart = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw ArgumentError("\(argument) has an IPv6 address without its closing ]")
            }
            hostPart = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ArgumentError("\(argument) has text after the IPv6 address") }
                portText = after.dropFirst()
            }
            guard hostPart.count > 2, hostPart.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ArgumentError("\(argument) has an invalid IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
            guard !hostPart.contains(":") else { throw ArgumentError("\(argument): put an IPv6 address in brackets") }
        }
        if !hostPart.hasPrefix("[") {
            guard !hostPart.isEmpty, hostPart.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }),
                  !hostPart.hasPrefix("."), !hostPart.hasPrefix("-") else {
                throw ArgumentError("\(argument) has an invalid host name")
            }
        }
        host = String(hostPart)
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw ArgumentError("\(argument) has an invalid port (1 to 65535)")
            }
            port = value
        } else {
            port = nil
        }
    }

    /// The endpoint Huawei Cloud serves a region from.
    public init(region: String) {
        scheme = .https
        host = "dcs.\(region).myhuaweicloud.com"
        port = nil
    }

    /// `host[:port]` as sent in (and signed as) the `Host` header: the port only when it is not the scheme's.
    public var hostHeader: String {
        guard let port, port != scheme.defaultPort else { return host }
        return "\(host):\(port)"
    }

    public var baseURL: String { "\(scheme.rawValue)://\(hostHeader)" }

    /// 127.0.0.0/8, ::1 and localhost: where a plain-HTTP emulator may run.
    public var isLoopback: Bool {
        if host == "localhost" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { UInt8($0) != nil }
    }
}
