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
    /// A bit per hash of those windows: most windows of a text are ruled out here, without
    /// hashing them for the set.
    private let filter: [UInt64]
    /// The same for the signatures of one request: few, so a list, and a filter of 4,096 bits.
    private let extraWindows: [UInt64]
    private let extraFilter: [UInt64]
    /// Secrets shorter than a window, hidden where they stand whole.
    private let shortSecrets: [String]

    init(secrets: [String]) {
        windows = Set(secrets.flatMap(Self.windows(of:)))
        var filter = [UInt64](repeating: 0, count: Self.filterWords)
        for window in windows {
            let bit = Self.filterBit(window)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.filter = filter
        extraWindows = []
        extraFilter = []
        shortSecrets = secrets.filter { !$0.isEmpty && $0.utf8.count < Self.minimumRun }
    }

    private init(windows: Set<UInt64>, filter: [UInt64], extraWindows: [UInt64], shortSecrets: [String]) {
        self.windows = windows
        self.filter = filter
        self.extraWindows = extraWindows
        var extraFilter = [UInt64](repeating: 0, count: 64)
        for window in extraWindows {
            let bit = Self.filterBit(window) >> 4
            extraFilter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.extraFilter = extraFilter
        self.shortSecrets = shortSecrets
    }

    /// This redactor, also hiding `more` (the signatures made for one request). The client's
    /// own windows are shared, not copied.
    func including(_ more: [String]) -> SecretRedactor {
        var extra = extraWindows
        for secret in more { extra += Self.windows(of: secret) }
        return SecretRedactor(windows: windows, filter: filter, extraWindows: extra, shortSecrets: shortSecrets)
    }

    private static let filterWords = 1024  // 65,536 bits

    private static func filterBit(_ window: UInt64) -> Int {
        Int(truncatingIfNeeded: (window &* 0x9E37_79B9_7F4A_7C15) >> 48)
    }

    private func isSecretWindow(_ window: UInt64) -> Bool {
        let bit = Self.filterBit(window)
        if filter[bit >> 6] & (1 << UInt64(bit & 63)) != 0, windows.contains(window) { return true }
        guard !extraWindows.isEmpty else { return false }
        let extraBit = bit >> 4
        return extraFilter[extraBit >> 6] & (1 << UInt64(extraBit & 63)) != 0 && extraWindows.contains(window)
    }

    /// The windows of one secret, each packed into a UInt64 as `redact` packs the text's.
    private static func windows(of secret: String) -> [UInt64] {
        var packed: [UInt64] = []
        packed.reserveCapacity(max(0, secret.utf8.count - minimumRun + 1))
        var word: UInt64 = 0
        var index = 0
        for byte in secret.utf8 {  // no enumerated(): it is not specialised for UTF8View here
            word = word << 8 | UInt64(byte)
            if index >= minimumRun - 1 { packed.append(word) }
            index += 1
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
        let count = text.utf8.count
        guard count >= Self.minimumRun, !(windows.isEmpty && extraWindows.isEmpty) else { return text }
        var hidden: [Bool]?  // made at the first hit: most texts hold no secret
        var word: UInt64 = 0
        var index = 0
        for byte in text.utf8 {
            word = word << 8 | UInt64(byte)
            if index >= Self.minimumRun - 1, isSecretWindow(word) {
                if hidden == nil { hidden = Array(repeating: false, count: count) }
                for covered in (index - Self.minimumRun + 1)...index { hidden?[covered] = true }
            }
            index += 1
        }
        guard let hidden else { return text }
        let bytes = Array(text.utf8)
        // Secrets are ASCII, so a hidden stretch starts and ends on a character boundary.
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        index = 0
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
