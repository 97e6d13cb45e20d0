// libFuzzer target: any HTTP status, content type and body, as the service (or anything in
// between) might answer, through the one place that turns an answer into outcomes and a status.
// Built with -sanitize=fuzzer and -D DCS_FUZZ (scripts/fuzz.sh), libFuzzer drives
// it; built plainly, it replays the files it is given, so that the committed corpus runs as a
// regression test.
//
// It reads DCSCore's internals (@testable), which only a debug build of DCSCore allows: a release
// build (`swift build -c release` builds every target) gets a stub that says so.
#if DEBUG
@testable import DCSCore
import DCSAPI
import FoundationEssentials
import DCSFuzzSupport

let ids: ArraySlice<String> = ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "a", "quote\"d", "日本", "emu-0001"]
let contentTypes = ["application/json", "application/json;charset=UTF-8", "text/html", "", "text/plain"]

/// Input: 2 bytes of HTTP status (100 to 599), 1 byte choosing a content type, then the body.
func interpret(_ input: [UInt8]) {
    guard input.count >= 3 else { return }
    let status = 100 + (Int(input[0]) << 8 | Int(input[1])) % 500
    let contentType = contentTypes[Int(input[2]) % contentTypes.count]
    let answer = HTTPAnswer(status: status, body: Array(input.dropFirst(3)), requestID: "r",
                            contentType: contentType, retryAfterSeconds: nil)
    let verdict = ChunkVerdict(ids: ids, attempt: .answered(ServiceAnswer(answer, redactor: SecretRedactor(secrets: []))), retries: 0)
    check(verdict, status: status)
    checkReadersAgreeWithFoundation(answer.body)
}

/// The shapes of the answers, for JSONDecoder, the authority on JSON.
struct ResultsShape: Decodable {
    struct Entry: Decodable { let instance: String; let result: String }
    let results: [Entry]
}

struct ErrorShape: Decodable {
    struct Nested: Decodable { let code: String?; let message: String? }
    let error_code: String?
    let error_msg: String?
    let request_id: String?
    let error: Nested?
}

struct InstanceShape: Decodable { let status: String }

struct PageShape: Decodable {
    struct Entry: Decodable { let instance_id: String; let name, status, engine, engine_version: String? }
    let instance_num: Int?
    let instances: [Entry]
}

/// The library reads every answer without Foundation (ResultsScanner, JSONCursor): it must read
/// what JSONDecoder reads, the same way, and refuse what it refuses; and JSONDecoder must read
/// back, unchanged, every body StatusRequestBody writes (here with ids made of the input's bytes).
func checkReadersAgreeWithFoundation(_ body: [UInt8]) {
    let decoder = JSONDecoder()
    func agree<Value: Equatable>(_ ours: Value?, _ reference: Value?, _ what: String) {
        guard ours == reference else {
            fatalError("invariant broken: the library and JSONDecoder read \(what) differently: \(String(describing: ours)) / \(String(describing: reference))")
        }
    }
    let results = (try? decoder.decode(ResultsShape.self, from: Data(body)))?.results.map { [$0.instance, $0.result] }
    agree(AnswerDecoder.resultEntries(body)?.map { [$0.instance, $0.result] }, results, "results")
    if let fast = ResultsScanner.entries(body) {
        agree(fast.map { [$0.instance, $0.result] }, results, "results (fast path)")
    }
    let error = (try? decoder.decode(ErrorShape.self, from: Data(body))).map {
        AnswerDecoder.ErrorBody(errorCode: $0.error_code, errorMessage: $0.error_msg, requestID: $0.request_id,
                                nestedCode: $0.error?.code, nestedMessage: $0.error?.message)
    }
    agree(AnswerDecoder.errorBody(body), error, "an error body")
    let status = (try? decoder.decode(InstanceShape.self, from: Data(body))).map { InstanceStatus(serviceName: $0.status) }
    agree(AnswerDecoder.instanceStatus(body: body), status, "an instance status")
    let page = (try? decoder.decode(PageShape.self, from: Data(body))).map { page in
        [String(describing: page.instance_num)] + page.instances.flatMap {
            [$0.instance_id, $0.name ?? "", $0.status ?? "", $0.engine ?? "", $0.engine_version ?? ""]
        }
    }
    let ours = AnswerDecoder.instancePage(body).map { page in
        [String(describing: page.instanceNum)] + page.entries.flatMap { [$0.id, $0.name, $0.status, $0.engine, $0.engineVersion] }
    }
    agree(ours, page, "a listing page")

    struct Body: Decodable { let action: String; let instances: [String] }
    let madeUpIDs = body.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    let written = StatusRequestBody.encode(ids: madeUpIDs[...], action: .softRestart)
    guard let read = try? decoder.decode(Body.self, from: Data(written)),
          read.instances == madeUpIDs, read.action == "soft_restart" else {
        fatalError("invariant broken: JSONDecoder does not read back the body StatusRequestBody wrote")
    }
}

/// What must hold for every answer; a violation is a crash for libFuzzer to keep.
func check(_ verdict: ChunkVerdict, status: Int) {
    func require(_ condition: Bool, _ what: String) {
        if !condition { fatalError("invariant broken for HTTP \(status): \(what)") }
    }
    require(verdict.outcomes.count == ids.count, "one outcome per id")
    require(!verdict.outcomes.contains(.notSent), "an answered request was sent")
    switch verdict.status {
    case .ok:
        require(verdict.failure == nil && verdict.outcomes.allSatisfy { $0 == .success }, "ok means all success")
        require((200..<300).contains(status), "ok only from a 2xx")
    case .partial:
        require(verdict.outcomes.contains(.failed) && !verdict.outcomes.contains(.unknown), "partial: failures, all known")
        require((200..<300).contains(status), "partial only from a 2xx")
    case .api:
        require((400..<600).contains(status), "an API error is a 4xx or 5xx")
        let expected: InstanceOutcome = status < 500 || status == 503 ? .failed : .unknown
        require(verdict.outcomes.allSatisfy { $0 == expected }, "4xx and 503 refused, other 5xx unknown")
    case .protocolError:
        require(verdict.outcomes.contains(.unknown), "an unreadable answer leaves something unknown")
    default:
        require(false, "no other status comes from an answer")
    }
    if let failure = verdict.failure {
        require(!failure.message.isEmpty, "a message")
        require(!failure.message.unicodeScalars.contains { $0.properties.generalCategory == .control },
                "no control characters in a message")
        require(failure.message.utf8.count < 4096, "a bounded message")
        require(!failure.code.unicodeScalars.contains { $0.properties.generalCategory == .control },
                "no control characters in a code")
    }
}

/// The fuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    interpret(FuzzEntry.bytes(data, size))
    return 0
}

@main
struct FuzzTarget {
    static func main() { FuzzEntry.main(callback: fuzzOneInput, target: interpret) }
}
#else
import Glibc

@main
struct FuzzTarget {
    static func main() {
        let message = "dcs-fuzz-answers: a debug build only; run: swift build --product dcs-fuzz-answers\n"
        _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        exit(2)
    }
}
#endif
