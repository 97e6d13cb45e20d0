import DCSSigning

/// Reads the service's JSON answers by the shape the caller expects, without Foundation: the
/// values asked for are decoded strictly (valid UTF-8, no raw control characters, valid escapes),
/// the rest is walked over and checked for structure only. Every document is read whole before
/// any value counts: a document that does not end where it should is refused.
///
/// What it accepts and refuses is Foundation's `JSONDecoder`'s, which stays the authority: the
/// unit tests and `dcs-fuzz-answers` check that both read every input alike. That includes
/// JSONDecoder's leniencies where a value is only walked over (a trailing comma, a number such
/// as `1.` or `--1`, raw control bytes inside a string), and its depth limit of 512.
struct JSONCursor {
    /// A document that is not the JSON expected.
    struct Refused: Error {}

    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    /// Reads `bytes` as one document with `read`, which starts at its first value; refused when
    /// anything but white space follows it.
    static func read<Value>(_ bytes: [UInt8], _ read: (inout JSONCursor) throws(Refused) -> Value) -> Value? {
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(bytes: buffer)
            do throws(Refused) {
                if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { cursor.position = 3 }  // a BOM, as JSONDecoder allows
                let value = try read(&cursor)
                cursor.skipSpace()
                return cursor.position == buffer.count ? value : nil
            } catch {
                return nil
            }
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    // MARK: What a reader asks for

    /// Whether the next value is `null` (taken if it is).
    mutating func takeNull() throws(Refused) -> Bool {
        skipSpace()
        guard peek == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// A string value, decoded.
    mutating func string() throws(Refused) -> String {
        skipSpace()
        guard peek == UInt8(ascii: "\"") else { throw Refused() }
        return try decodedString()
    }

    /// A string, or nil for `null`.
    mutating func optionalString() throws(Refused) -> String? {
        try takeNull() ? nil : string()
    }

    /// White space, then `byte` if it comes next (taken); for readers of one fixed shape.
    mutating func takeByte(_ byte: Unicode.Scalar) throws(Refused) -> Bool {
        skipSpace()
        return take(UInt8(ascii: byte))
    }

    /// `"name" :`, the name decoded; for readers of one fixed shape (repeated keys are theirs).
    mutating func key() throws(Refused) -> String {
        let name = try string()
        skipSpace()
        guard take(UInt8(ascii: ":")) else { throw Refused() }
        return name
    }

    /// A number's text as written; refused when it is no number.
    mutating func numberText() throws(Refused) -> Substring {
        skipSpace()
        let start = position
        try skipNumber()
        return Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// A whole number, as JSONDecoder reads an Int: strict JSON number syntax (RFC 8259), written
    /// 2500, 2500.0 or 2.5e3 alike; refused when it has a fraction or is too large.
    mutating func integer() throws(Refused) -> Int {
        let text = try numberText()
        guard Self.isStrictNumber(text.utf8) else { throw Refused() }
        if let whole = Int(text) { return whole }
        guard let value = Double(text), value == value.rounded(), abs(value) < 1e15 else { throw Refused() }
        return Int(value)
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    private static func isStrictNumber(_ bytes: Substring.UTF8View) -> Bool {
        var rest = bytes[...]
        func digits() -> Int {
            let count = rest.prefix { (0x30...0x39).contains($0) }.count
            rest = rest.dropFirst(count)
            return count
        }
        if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
        if rest.first == UInt8(ascii: "0") { rest = rest.dropFirst() } else if digits() == 0 { return false }
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            if digits() == 0 { return false }
        }
        if rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
            if digits() == 0 { return false }
        }
        return rest.isEmpty
    }

    /// The members of an object: `member(key, &cursor)` reads (or skips) each value. Keys come
    /// as decoded; a key seen before is skipped, its first value standing, as in JSONDecoder.
    mutating func object(_ member: (String, inout JSONCursor) throws(Refused) -> Void) throws(Refused) {
        skipSpace()
        guard take(UInt8(ascii: "{")) else { throw Refused() }
        try enter()
        var seen: Set<String> = []
        try elements(closing: UInt8(ascii: "}")) { (cursor: inout JSONCursor) throws(Refused) in
            cursor.skipSpace()
            guard cursor.peek == UInt8(ascii: "\"") else { throw Refused() }
            let key = try cursor.decodedString()
            cursor.skipSpace()
            guard cursor.take(UInt8(ascii: ":")) else { throw Refused() }
            if seen.insert(key).inserted {
                try member(key, &cursor)
            } else {
                try cursor.skipValue()
            }
        }
        depth -= 1
    }

    /// The elements of an array, each read by `element`.
    mutating func array(_ element: (inout JSONCursor) throws(Refused) -> Void) throws(Refused) {
        skipSpace()
        guard take(UInt8(ascii: "[")) else { throw Refused() }
        try enter()
        try elements(closing: UInt8(ascii: "]"), element)
        depth -= 1
    }

    /// Walks over any value, checking its structure only (the keys of its objects too).
    mutating func skipValue() throws(Refused) {
        skipSpace()
        switch peek {
        case UInt8(ascii: "{"):
            position += 1
            try enter()
            try elements(closing: UInt8(ascii: "}")) { (cursor: inout JSONCursor) throws(Refused) in
                cursor.skipSpace()
                guard cursor.peek == UInt8(ascii: "\"") else { throw Refused() }
                try cursor.skipString()
                cursor.skipSpace()
                guard cursor.take(UInt8(ascii: ":")) else { throw Refused() }
                try cursor.skipValue()
            }
            depth -= 1
        case UInt8(ascii: "["): try array { (cursor: inout JSONCursor) throws(Refused) in try cursor.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try skipNumber()
        }
    }

    // MARK: Structure

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d { position += 1 }
    }

    private mutating func enter() throws(Refused) {
        depth += 1
        guard depth <= Self.maxDepth else { throw Refused() }
    }

    /// `item, item, ... closing`, one trailing comma allowed (as JSONDecoder allows it).
    private mutating func elements(closing: UInt8, _ item: (inout JSONCursor) throws(Refused) -> Void) throws(Refused) {
        skipSpace()
        if take(closing) { return }
        while true {
            try item(&self)
            skipSpace()
            if take(closing) { return }
            guard take(UInt8(ascii: ",")) else { throw Refused() }
            skipSpace()
            if take(closing) { return }
        }
    }

    private mutating func literal(_ word: StaticString) throws(Refused) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw Refused() }
        let matches = word.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
        }
        guard matches else { throw Refused() }
        position += count
    }

    /// A number as JSONDecoder walks over one: a '-' or a digit, then digits, '.', 'e', 'E', '+', '-'.
    private mutating func skipNumber() throws(Refused) {
        guard let first = peek, first == UInt8(ascii: "-") || (0x30...0x39).contains(first) else { throw Refused() }
        position += 1
        while let byte = peek, (0x30...0x39).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
            || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
            position += 1
        }
    }

    /// A string walked over as JSONDecoder walks over one: it ends at the first quote that no
    /// backslash escapes; a backslash escapes the byte after it, and `\u` the four after it,
    /// whatever they are but a quote (found with a differential test and the fuzzer).
    private mutating func skipString() throws(Refused) {
        position += 1  // the opening quote
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"):
                guard position + 1 < bytes.count else { throw Refused() }
                if bytes[position + 1] == UInt8(ascii: "u") {
                    guard position + 6 <= bytes.count,
                          !bytes[(position + 2)..<(position + 6)].contains(UInt8(ascii: "\"")) else { throw Refused() }
                    position += 6
                } else {
                    position += 2
                }
            default:
                position += 1
            }
        }
        throw Refused()
    }

    /// A string decoded, at its opening quote: valid UTF-8, no raw control character, only the
    /// escapes of RFC 8259, surrogates in pairs.
    private mutating func decodedString() throws(Refused) -> String {
        position += 1
        // Most strings hold no escape: taken from the bytes as they are.
        let start = position
        while let byte = peek, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 { position += 1 }
        if peek == UInt8(ascii: "\"") {
            position += 1
            guard let text = UTF8Text.decode(UnsafeBufferPointer(rebasing: bytes[start..<position - 1])) else {
                throw Refused()
            }
            return text
        }
        var text = Array(bytes[start..<position])
        while let byte = peek {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let decoded = UTF8Text.decode(text) else { throw Refused() }
                return decoded
            case 0x00..<0x20:
                throw Refused()
            case UInt8(ascii: "\\"):
                guard let escape = peek else { throw Refused() }
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0c)
                case UInt8(ascii: "n"): text.append(0x0a)
                case UInt8(ascii: "r"): text.append(0x0d)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"): text.append(contentsOf: String(Character(try unicodeEscape())).utf8)
                default: throw Refused()
                }
            default:
                text.append(byte)
            }
        }
        throw Refused()
    }

    /// After `\u`: four hex digits, or a surrogate pair as two escapes.
    private mutating func unicodeEscape() throws(Refused) -> Unicode.Scalar {
        let first = try hex4()
        if (0xD800...0xDBFF).contains(first) {
            guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")) else { throw Refused() }
            let second = try hex4()
            guard (0xDC00...0xDFFF).contains(second),
                  let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)) else { throw Refused() }
            return scalar
        }
        guard let scalar = Unicode.Scalar(first) else { throw Refused() }  // a lone low surrogate
        return scalar
    }

    private mutating func hex4() throws(Refused) -> UInt32 {
        guard position + 4 <= bytes.count else { throw Refused() }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = Hex.value(of: bytes[position + offset]) else { throw Refused() }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }
}
