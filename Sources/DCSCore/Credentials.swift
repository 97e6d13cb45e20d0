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

/// Removes secrets from text that may echo them (an error page that quotes the request, say).
struct SecretRedactor: Sendable {
    let secrets: [String]

    /// Also hides runs of 64 hex digits or more: request signatures look like that.
    func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacing(secret, with: "[redacted]")
        }
        return Self.redactLongHexRuns(result)
    }

    private static func redactLongHexRuns(_ text: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            out += run.count >= 64 ? "[redacted]" : run
            run = ""
        }
        for character in text {
            if character.isHexDigit && character.isASCII {
                run.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }
}
