/// How requests prove who sends them. Never printed: `description` hides the values.
public enum Credentials: Sendable, CustomStringConvertible {
    case accessKey(ak: String, sk: String, securityToken: String?)
    case iamToken(String)

    public static let maxKeyBytes = 256
    public static let maxTokenBytes = 64 * 1024

    public static func validatedAccessKey(ak: String, sk: String, securityToken: String?) throws(ArgumentError) -> Credentials {
        try TextRules.requireVisibleASCII(ak, "ak", maxBytes: maxKeyBytes)
        guard !ak.contains(",") else { throw ArgumentError("ak holds a comma") }
        try TextRules.requireVisibleASCII(sk, "sk", maxBytes: maxKeyBytes)
        if let securityToken {
            try TextRules.requireVisibleASCII(securityToken, "security_token", maxBytes: maxTokenBytes)
        }
        return .accessKey(ak: ak, sk: sk, securityToken: securityToken)
    }

    public static func validatedIAMToken(_ token: String) throws(ArgumentError) -> Credentials {
        try TextRules.requireVisibleASCII(token, "iam_token", maxBytes: maxTokenBytes)
        return .iamToken(token)
    }

    /// The values no message may show.
    var secrets: [String] {
        switch self {
        case let .accessKey(_, sk, token): return [sk] + (token.map { [$0] } ?? [])
        case let .iamToken(token): return [token]
        }
    }

    public var description: String {
        switch self {
        case let .accessKey(ak, _, token): return "AK/SK (\(ak))\(token == nil ? "" : " with security token")"
        case .iamToken: return "IAM token"
        }
    }
}
