/// Makes text from the network safe to show: no control characters, no markup, bounded length.
enum Printable {
    static func clip(_ text: String, maxCharacters: Int) -> String {
        var cleaned = String(text.unicodeScalars.map { scalar -> Character in
            scalar.properties.generalCategory == .control ? " " : Character(scalar)
        })
        cleaned = cleaned.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
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
