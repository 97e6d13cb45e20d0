import DCSSigning

/// Reads `{"results":[{"instance":"…","result":"…"},…]}` with white space anywhere JSON allows
/// it and the members of an entry in either order; nil for anything else (another key, a
/// repeated one, another type, a malformed string, bytes after the end), which JSONCursor then
/// reads, or refuses. The Codable machinery costs more than libcurl's whole request (measured by
/// scripts/bench.sh); JSONDecoder stays the authority: `dcs-fuzz-answers` checks that both read
/// every input alike.
struct ResultsScanner {
    private let bytes: [UInt8]
    private var position = 0

    static func entries(_ body: [UInt8]) -> [(instance: String, result: String)]? {
        var scanner = ResultsScanner(bytes: body)
        return scanner.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func document() -> [(instance: String, result: String)]? {
        guard take("{"), key() == "results", take("[") else { return nil }
        var entries: [(instance: String, result: String)] = []
        if !take("]") {
            repeat {
                guard let entry = entry() else { return nil }
                entries.append(entry)
            } while take(",")
            guard take("]") else { return nil }
        }
        guard take("}") else { return nil }
        skipSpace()
        return position == bytes.count ? entries : nil
    }

    private mutating func entry() -> (instance: String, result: String)? {
        guard take("{") else { return nil }
        var instance: String?
        var result: String?
        repeat {
            // A malformed value ends the reading: it must not pass for a missing one.
            switch key() {
            case "instance" where instance == nil:
                guard let value = string() else { return nil }
                instance = value
            case "result" where result == nil:
                guard let value = string() else { return nil }
                result = value
            default:
                return nil
            }
        } while take(",")
        guard take("}"), let instance, let result else { return nil }
        return (instance, result)
    }

    /// `"name" :`, the name.
    private mutating func key() -> String? {
        guard let name = string(), take(":") else { return nil }
        return name
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0a, 0x0d: position += 1
            default: return
            }
        }
    }

    /// Skips white space, then takes `byte` if it comes next.
    private mutating func take(_ byte: Unicode.Scalar) -> Bool {
        skipSpace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: byte) else { return false }
        position += 1
        return true
    }

    /// A JSON string, escapes resolved; nil when malformed (or not valid UTF-8).
    private mutating func string() -> String? {
        guard take("\"") else { return nil }
        // Most strings hold no escape: taken from the bytes as they are.
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\"),
              bytes[position] >= 0x20 {
            position += 1
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
            position += 1
            return bytes.withUnsafeBufferPointer { UTF8Text.decode(UnsafeBufferPointer(rebasing: $0[start..<position - 1])) }
        }
        var text = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return UTF8Text.decode(text)
            case 0x00..<0x20:
                return nil
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { return nil }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0c)
                case UInt8(ascii: "n"): text.append(0x0a)
                case UInt8(ascii: "r"): text.append(0x0d)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    text.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            default:
                text.append(byte)
            }
        }
        return nil
    }

    /// After `\u`: four hex digits, or a surrogate pair as two escapes.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let first = hex4() else { return nil }
        if (0xD800...0xDBFF).contains(first) {
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                  bytes[position + 1] == UInt8(ascii: "u") else { return nil }
            position += 2
            guard let second = hex4(), (0xDC00...0xDFFF).contains(second) else { return nil }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        }
        return Unicode.Scalar(first)  // nil for a lone low surrogate
    }

    private mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            guard let digit = Hex.value(of: byte) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }
}
