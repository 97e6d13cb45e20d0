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

    /// A failure with every text it carries redacted.
    func redact(_ failure: CallFailure) -> CallFailure {
        var failure = failure
        failure.message = redact(failure.message)
        failure.code = redact(failure.code)
        failure.requestID = redact(failure.requestID)
        return failure
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
