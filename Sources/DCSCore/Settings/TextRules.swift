/// Checks of text that will travel in a header or a URL.
enum TextRules {
    /// Printable ASCII without space: safe in a header value and in the Authorization list.
    static func isVisibleASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
    }

    static func requireVisibleASCII(_ text: String, _ argument: String, maxBytes: Int) throws(ArgumentError) {
        guard !text.isEmpty else { throw ArgumentError("\(argument) is empty") }
        guard text.utf8.count <= maxBytes else { throw ArgumentError("\(argument) is longer than \(maxBytes) bytes") }
        guard isVisibleASCII(text) else {
            throw ArgumentError("\(argument) holds a character other than printable ASCII (no spaces or control characters)")
        }
    }
}
