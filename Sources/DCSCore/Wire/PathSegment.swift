/// A segment of a request path as the library sends it: exactly as signed, never normalised.
enum PathSegment {
    /// `.` and `..` are steps in a URL path (RFC 3986, 5.2.4), which a URL library or a proxy
    /// would remove, so that the path sent would differ from the one signed: as the id of an
    /// instance or a project, they are refused.
    static func isDotSegment(_ bytes: [UInt8]) -> Bool {
        bytes == [0x2e] || bytes == [0x2e, 0x2e]
    }
}
