/// Text from bytes that must be valid UTF-8: the one place that decides how they are read.
public enum UTF8Text {
    /// The bytes as a String; nil when they are not valid UTF-8. ASCII, the text of practice,
    /// skips the standard library's `String(validating:as:)`, which is not specialised and looks
    /// up type metadata on every call: that made up a tenth of libdcs's own work per call
    /// (callgrind, scripts/bench.sh).
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) -> String? {
        decode(bytes.assumingMemoryBound(to: UInt8.self))
    }

    public static func decode(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    /// Whether two texts have the same bytes: how ids are compared (Swift's `==` would also
    /// match a canonically equivalent spelling). A comparison of memory, not of characters.
    public static func sameBytes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b  // withUTF8 wants them mutable: it makes a non-native string contiguous
        return a.withUTF8 { left in b.withUTF8 { right in left.elementsEqual(right) } }
    }
}
