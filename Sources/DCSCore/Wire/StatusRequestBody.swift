import DCSAPI
import DCSSigning

/// The body of `PUT /v2/{project_id}/instances/status`: `{"action":"…","instances":["…",…]}`, written
/// without the Codable machinery, which costs more than libcurl's whole request (measured by
/// scripts/bench.sh). JSONDecoder reads back every body it writes (unit tests, `dcs-fuzz-answers`).
enum StatusRequestBody {
    static func encode(ids: ArraySlice<String>, action: InstanceAction) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + ids.reduce(0) { $0 + $1.utf8.count + 3 })
        out.append(contentsOf: #"{"action":"#.utf8)
        appendString(action.rawValue, to: &out)
        out.append(contentsOf: #","instances":["#.utf8)
        for (index, id) in ids.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(id, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// A JSON string (RFC 8259 section 7): the quotation mark, the backslash and the control
    /// characters U+0000 to U+001F escaped, everything else as its UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        var text = text  // withUTF8 reads the bytes in place (after making them contiguous)
        text.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            defer { out.append(UInt8(ascii: "\"")) }
            // Ids and actions hold nothing to escape: copied whole.
            guard bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    out.append(UInt8(ascii: "\\"))
                    out.append(byte)
                case 0x00..<0x20:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(Hex.lowerDigits[Int(byte >> 4)])
                    out.append(Hex.lowerDigits[Int(byte & 0x0f)])
                default:
                    out.append(byte)
                }
            }
        }
    }
}
