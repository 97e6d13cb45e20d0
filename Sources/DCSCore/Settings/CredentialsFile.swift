import DCSSigning

/// The INI of Huawei's credentials file: `[section]` lines, `key = value` lines, `#` and `;`
/// comments. Only what the SDKs' files hold; nothing beyond.
enum CredentialsFile {
    static func section(_ wanted: String, of text: String) -> [String: String] {
        var values: [String: String] = [:]
        var inSection = false
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = String(rawLine).trimmingASCIIWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                inSection = String(line.dropFirst().dropLast()).trimmingASCIIWhitespace().lowercased() == wanted
                continue
            }
            guard inSection, let equals = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = String(line[..<equals]).trimmingASCIIWhitespace().lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingASCIIWhitespace()
            if !value.isEmpty { values[key] = value }
        }
        return values
    }
}
