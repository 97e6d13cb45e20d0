/// Makes text from the network safe to show: one line (no control characters, no line or
/// paragraph separators, no bidirectional controls that could make it read otherwise), no
/// markup, bounded length.
enum Printable {
    /// Characters a message must not carry: Unicode's controls (C0, DEL, C1), U+2028 and U+2029,
    /// and the bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069).
    static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return scalar.properties.generalCategory == .control
        }
    }

    /// `text` with each unprintable character a space; the text itself when it has none.
    static func oneLine(_ text: String) -> String {
        // Printable ASCII, the text of practice, needs no look at its scalars.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7f }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(isUnprintable(scalar) ? " " : scalar)
        }
        return String(out)
    }

    /// One line, runs of spaces folded, at most `maxCharacters` (then "...").
    static func clip(_ text: String, maxCharacters: Int) -> String {
        // Printable ASCII without a run of spaces, short enough, the text of practice (a request
        // id): nothing to do, and nothing to count by characters.
        if text.utf8.count <= maxCharacters, isPlainLine(text) { return text }
        let cleaned = oneLine(text).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard cleaned.count > maxCharacters else { return cleaned }
        return String(cleaned.prefix(maxCharacters)) + "..."
    }

    /// Printable ASCII, no space at either end nor two in a row: what `clip` would leave as it is.
    private static func isPlainLine(_ text: String) -> Bool {
        var text = text  // withUTF8 wants it mutable: it makes a non-native string contiguous
        return text.withUTF8 { bytes in
            var previous: UInt8 = 0x20  // a space at the start is no plain line
            for byte in bytes {
                guard byte >= 0x20, byte < 0x7f, !(byte == 0x20 && previous == 0x20) else { return false }
                previous = byte
            }
            return previous != 0x20
        }
    }

    /// The text of an HTML page without its tags.
    static func textOfMarkup(_ text: String) -> String {
        var out = ""
        var inTag = false
        for character in text {
            if character == "<" { inTag = true; out.append(" ") }
            else if character == ">" && inTag { inTag = false }
            else if !inTag { out.append(character) }
        }
        return out
    }
}
