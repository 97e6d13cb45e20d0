import DCSSigning

/// Removes secrets from text that may echo them (an error page that quotes the request, a
/// gateway that puts a token in its error code): every run of `minimumRun` or more characters
/// of a secret the client holds, or of a signature it made for the request at hand, wherever it
/// stands and however the text around it was cut; and runs of 64 hex digits or more, which is
/// what any signature looks like. The text also leaves as one line (see `Printable`). Every
/// message and log line passes here, and text from an answer does before it is cut short.
struct SecretRedactor: Sendable {
    static let minimumRun = 8
    static let placeholder = "[redacted]"

    /// Every `minimumRun`-byte window of every secret of `minimumRun` bytes or more.
    private let windows: Set<UInt64>
    /// The same for the signatures of one request: few, so a list.
    private let extraWindows: [UInt64]
    /// Secrets shorter than a window, hidden where they stand whole.
    private let shortSecrets: [String]

    init(secrets: [String]) {
        windows = Set(secrets.flatMap(Self.windows(of:)))
        extraWindows = []
        shortSecrets = secrets.filter { !$0.isEmpty && $0.utf8.count < Self.minimumRun }
    }

    private init(windows: Set<UInt64>, extraWindows: [UInt64], shortSecrets: [String]) {
        self.windows = windows
        self.extraWindows = extraWindows
        self.shortSecrets = shortSecrets
    }

    /// This redactor, also hiding `more` (the signatures made for one request). The client's
    /// own windows are shared, not copied.
    func including(_ more: [String]) -> SecretRedactor {
        SecretRedactor(windows: windows, extraWindows: extraWindows + more.flatMap(Self.windows(of:)),
                       shortSecrets: shortSecrets)
    }

    /// The windows of one secret, each packed into a UInt64 as `redact` packs the text's.
    private static func windows(of secret: String) -> [UInt64] {
        var packed: [UInt64] = []
        var word: UInt64 = 0
        for (index, byte) in secret.utf8.enumerated() {
            word = word << 8 | UInt64(byte)
            if index >= minimumRun - 1 { packed.append(word) }
        }
        return packed
    }

    func redact(_ text: String) -> String {
        var result = Printable.oneLine(hidingRuns(text))
        for secret in shortSecrets {
            result = Self.hidingWhole(secret, in: result)
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

    /// `text` with each stretch covered by windows of a secret replaced by the placeholder.
    private func hidingRuns(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= Self.minimumRun, !(windows.isEmpty && extraWindows.isEmpty) else { return text }
        var hidden: [Bool]?  // made at the first hit: most texts hold no secret
        var word: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            word = word << 8 | UInt64(byte)
            guard index >= Self.minimumRun - 1, windows.contains(word) || extraWindows.contains(word) else { continue }
            if hidden == nil { hidden = Array(repeating: false, count: bytes.count) }
            for covered in (index - Self.minimumRun + 1)...index { hidden?[covered] = true }
        }
        guard let hidden else { return text }
        // Secrets are ASCII, so a hidden stretch starts and ends on a character boundary.
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if hidden[index] {
                out.append(contentsOf: Self.placeholder.utf8)
                while index < bytes.count && hidden[index] { index += 1 }
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` with every occurrence of `secret` (ASCII) replaced by the placeholder.
    private static func hidingWhole(_ secret: String, in text: String) -> String {
        let needle = Array(secret.utf8), bytes = Array(text.utf8)
        guard bytes.count >= needle.count else { return text }
        var out: [UInt8] = []
        var index = 0
        var found = false
        while index < bytes.count {
            if index + needle.count <= bytes.count, bytes[index..<index + needle.count].elementsEqual(needle) {
                out.append(contentsOf: placeholder.utf8)
                index += needle.count
                found = true
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return found ? String(decoding: out, as: UTF8.self) : text
    }

    private static func redactLongHexRuns(_ text: String) -> String {
        // Most texts hold no run of 64 hex digits: the bytes say so without building anything.
        var run = 0, longest = 0
        for byte in text.utf8 {
            run = Hex.value(of: byte) != nil ? run + 1 : 0
            longest = max(longest, run)
        }
        guard longest >= 64 else { return text }
        var out = ""
        var pending = ""
        func flush() {
            out += pending.count >= 64 ? placeholder : pending
            pending = ""
        }
        for character in text {
            if character.isHexDigit && character.isASCII {
                pending.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }
}
