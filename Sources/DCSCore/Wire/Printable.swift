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
        let utf8 = text.utf8
        if utf8.count <= maxCharacters, utf8.first != 0x20, utf8.last != 0x20,
           !zip(utf8, utf8.dropFirst()).contains(where: { $0 == 0x20 && $1 == 0x20 }),
           utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            return text
        }
        let cleaned = oneLine(text).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard cleaned.count > maxCharacters else { return cleaned }
        return String(cleaned.prefix(maxCharacters)) + "..."
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
