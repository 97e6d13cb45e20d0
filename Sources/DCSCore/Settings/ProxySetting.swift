import DCSSigning

/// Which proxy a client's requests go through, when its endpoint is not on loopback (a loopback
/// endpoint, the emulator, is never proxied: a proxy would read its plain-HTTP requests).
public enum ProxySetting: Sendable, Equatable {
    /// The proxy the environment names, as libcurl reads it: https_proxy (http_proxy for an
    /// http:// endpoint), then all_proxy, upper or lower case; no_proxy lists hosts reached
    /// directly. The default.
    case environment
    /// No proxy, whatever the environment says.
    case direct
    /// `scheme://[user[:password]@]host[:port]` with scheme http, https, socks4, socks4a,
    /// socks5 or socks5h.
    case url(String)

    static let schemes = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]

    /// "" is `.direct`; anything else must be a proxy URL. Messages name `argument`.
    public init(parsing text: String, argument: String) throws(ArgumentError) {
        guard !text.isEmpty else {
            self = .direct
            return
        }
        guard let (scheme, rest) = Self.splitScheme(text), Self.schemes.contains(scheme.lowercased()) else {
            throw ArgumentError("\(argument) must start with \(Self.schemes.map { "\($0)://" }.joined(separator: ", "))")
        }
        var authority = rest
        if let at = authority.lastIndex(of: "@") {
            guard !authority[..<at].contains(where: { $0.asciiValue.map { $0 <= 0x20 || $0 >= 0x7f } ?? true }) else {
                throw ArgumentError("\(argument) holds a character other than printable ASCII in its user information")
            }
            authority = authority[authority.index(after: at)...]
        }
        // Host and port by the endpoint's own rules.
        _ = try Endpoint(parsing: "http://" + authority, argument: argument)
        self = .url(text)
    }

    /// The proxy's password, in the forms a message could show it: never to be shown.
    var secrets: [String] {
        guard case let .url(text) = self, let (_, authority) = Self.splitScheme(text) else { return [] }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return [] }
        let password = String(authority[authority.index(after: colon)..<at])
        return password.isEmpty ? [] : [password, PercentEncoding.decode(password)]
    }

    /// "scheme://rest" as (scheme, rest); nil without "://".
    private static func splitScheme(_ text: String) -> (Substring, Substring)? {
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else { return nil }
        return (text[..<colon], text[text.index(colon, offsetBy: 3)...])
    }
}
