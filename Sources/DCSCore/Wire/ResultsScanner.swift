/// Reads `{"results":[{"instance":"…","result":"…"},…]}` with white space anywhere JSON allows
/// it and the members of an entry in either order; nil for anything else (another key, a
/// repeated one, another type, a malformed string, bytes after the end), which
/// `AnswerDecoder.resultEntries` then reads with the general shape of JSONCursor, or refuses.
/// The answer of practice, read without a set of seen keys per entry or a closure per member
/// (measured by scripts/bench.sh); JSONDecoder stays the authority: `dcs-fuzz-answers` checks
/// that both read every input alike.
enum ResultsScanner {
    static func entries(_ body: [UInt8]) -> [(instance: String, result: String)]? {
        JSONCursor.read(body) { (cursor: inout JSONCursor) throws(JSONCursor.Refused) in
            guard try cursor.takeByte("{"), try cursor.key() == "results", try cursor.takeByte("[") else {
                throw JSONCursor.Refused()
            }
            var entries: [(instance: String, result: String)] = []
            if try !cursor.takeByte("]") {
                repeat {
                    entries.append(try entry(&cursor))
                } while try cursor.takeByte(",")
                guard try cursor.takeByte("]") else { throw JSONCursor.Refused() }
            }
            guard try cursor.takeByte("}") else { throw JSONCursor.Refused() }
            return entries
        }
    }

    private static func entry(_ cursor: inout JSONCursor) throws(JSONCursor.Refused) -> (instance: String, result: String) {
        guard try cursor.takeByte("{") else { throw JSONCursor.Refused() }
        var instance: String?
        var result: String?
        repeat {
            // A malformed value ends the reading: it must not pass for a missing one.
            switch try cursor.key() {
            case "instance" where instance == nil: instance = try cursor.string()
            case "result" where result == nil: result = try cursor.string()
            default: throw JSONCursor.Refused()
            }
        } while try cursor.takeByte(",")
        guard try cursor.takeByte("}"), let instance, let result else { throw JSONCursor.Refused() }
        return (instance, result)
    }
}
