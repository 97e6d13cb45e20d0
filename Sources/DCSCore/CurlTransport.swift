import CCurl
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP request as the transport sends it.
struct HTTPRequest: Sendable {
    enum Method: String, Sendable { case get = "GET", put = "PUT" }
    var method: Method
    var url: String
    /// "Name: value" lines, Host and Authorization among them.
    var headers: [String]
    var body: [UInt8]
    /// The whole request, connect included, and the connect alone.
    var timeoutMs: UInt32
    var connectTimeoutMs: UInt32
}

/// A complete HTTP answer.
struct HTTPAnswer: Sendable {
    var status: Int
    var body: [UInt8]
    var requestID: String
    var contentType: String
    var retryAfterSeconds: Int?
    /// The answer's `Date` header as sent.
    var dateHeader = ""

    /// The service's clock, from the Date header: seconds since the epoch. Parsed only when
    /// asked for (after a 401), not for every answer.
    var serverDate: Int? {
        guard !dateHeader.isEmpty else { return nil }
        let when = curl_getdate(dateHeader, nil)
        return when > 0 ? Int(when) : nil
    }
}

/// Why no complete answer came, and whether the request may have reached the service.
struct TransportFailure: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Name resolution or TCP connect failed: nothing was sent.
        case neverConnected
        /// TLS handshake or certificate check failed: the request was not sent.
        case tls
        case timeout
        /// The connection broke after the request started.
        case connectionLost
        case answerTooLarge
        case malformedAnswer
        case outOfMemory
        /// The caller's cancel token ended the transfer.
        case cancelled
        case other
    }
    var kind: Kind
    /// False only when the request certainly did not reach the service.
    var mayHaveReached: Bool
    var detail: String
}

enum AttemptResult: Sendable {
    case answered(HTTPAnswer)
    case failed(TransportFailure)
}

/// libcurl is initialised once per process, thread-safely (Swift runs a global's initialiser once).
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// Why the libcurl loaded at run time cannot be used, if it cannot: the never-twice rule rests on
/// CURLOPT_PREREQFUNCTION, which came with 7.80.0 (the build checks its headers; an older
/// libcurl.so.4 on the machine that runs libdcs is caught here, before anything is sent).
private let curlTooOld: String? = {
    guard let info = curl_version_info(CURLVERSION_TENTH), info.pointee.version_num < 0x07_50_00 else { return nil }
    let version = info.pointee.version.map { String(cString: $0) } ?? "?"
    return "libcurl \(version) is older than 7.80.0, the first version libdcs can use"
}()

/// Sends requests over libcurl. Thread-safe: each request takes an easy handle of its own from
/// a pool, and gives it back with its open connection, so sequential calls reuse one connection
/// and concurrent calls run side by side.
final class CurlTransport: Sendable {
    static let maxAnswerBytes = 1 << 20
    private static let maxIdleHandles = 16

    private let options: HandleOptions
    // NIOLockedValueBox rather than Synchronization.Mutex: a pthread mutex underneath, which
    // ThreadSanitizer understands (it cannot see the futex inside Mutex and reports races).
    private let idleHandles = NIOLockedValueBox<[EasyHandle]>([])

    struct HandleOptions: Sendable {
        var caFile: String?
        var insecure: Bool
        var userAgent: String
    }

    init(options: HandleOptions) {
        self.options = options
    }

    func send(_ request: HTTPRequest, cancel: CancelToken? = nil) -> AttemptResult {
        guard curlGlobalInit == CURLE_OK else {
            return .failed(TransportFailure(kind: .other, mayHaveReached: false, detail: "libcurl could not be initialised"))
        }
        if let curlTooOld {
            return .failed(TransportFailure(kind: .other, mayHaveReached: false, detail: curlTooOld))
        }
        guard let handle = idleHandles.withLockedValue({ $0.popLast() }) ?? EasyHandle(options: options) else {
            return .failed(TransportFailure(kind: .outOfMemory, mayHaveReached: false, detail: "libcurl could not make a handle"))
        }
        let result = handle.perform(request, cancel: cancel)
        idleHandles.withLockedValue { idle in
            if idle.count < Self.maxIdleHandles { idle.append(handle) }
        }
        return result
    }
}

/// What one transfer collects through libcurl's callbacks.
private final class TransferState {
    /// Whether libcurl may send the request again on its own (a GET, which changes nothing).
    let mayResend: Bool
    /// Set once libcurl had a connection and was about to send: the request may reach the service.
    var requestSent = false
    /// Set when libcurl wanted to send the request again (a reused connection died): refused.
    var resendRefused = false
    var answer: [UInt8] = []
    var answerTooLarge = false
    var requestID = ""
    var contentType = ""
    var retryAfterSeconds: Int?
    var dateHeader = ""

    init(mayResend: Bool) { self.mayResend = mayResend }

    /// A new status line (after a 100 Continue, say) starts a new set of headers.
    func startHeaders() {
        requestID = ""
        contentType = ""
        retryAfterSeconds = nil
        dateHeader = ""
    }
}

/// One libcurl easy handle with the options that never change for its client.
private final class EasyHandle: @unchecked Sendable {
    // @unchecked: a handle is used by one thread at a time, the pool's mutex hands it over.
    private let curl: UnsafeMutableRawPointer
    /// Drives the transfer so that it can be cancelled between polls; it also holds the
    /// connection cache, so the handle's connection stays open from one transfer to the next.
    private let multi: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init?(options: CurlTransport.HandleOptions) {
        guard let curl = curl_easy_init() else { return nil }
        guard let multi = curl_multi_init() else {
            curl_easy_cleanup(curl)
            return nil
        }
        self.curl = curl
        self.multi = multi
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var ok = true
        func set(_ code: CURLcode) { ok = ok && code == CURLE_OK }
        set(dcs_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        set(dcs_curl_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(dcs_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 0))
        // HTTP/1.1 only: its send and re-send behaviour is the one the never-twice rule is built on.
        set(dcs_curl_setopt_long(curl, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)))
        set(dcs_curl_setopt_offset(curl, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(CurlTransport.maxAnswerBytes)))
        set(dcs_curl_setopt_string(curl, CURLOPT_USERAGENT, options.userAgent))
        set(dcs_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer))
        set(dcs_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, options.insecure ? 0 : 1))
        set(dcs_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, options.insecure ? 0 : 2))
        if let caFile = options.caFile {
            set(dcs_curl_setopt_string(curl, CURLOPT_CAINFO, caFile))
        }
        set(dcs_curl_setopt_write_callback(curl, receiveBody))
        set(dcs_curl_setopt_header_callback(curl, receiveHeader))
        set(dcs_curl_setopt_prereq_callback(curl, beforeSending))
        guard ok else {
            curl_easy_cleanup(curl)
            curl_multi_cleanup(multi)
            errorBuffer.deallocate()
            return nil
        }
    }

    deinit {
        curl_easy_cleanup(curl)
        curl_multi_cleanup(multi)
        errorBuffer.deallocate()
    }

    /// How often a transfer looks at its cancel token while it waits for the network.
    private static let cancelCheckMs: Int32 = 50

    /// Runs the transfer to its end, or until `cancel` is triggered (CURLE_ABORTED_BY_CALLBACK).
    private func run(_ cancel: CancelToken?) -> CURLcode {
        guard curl_multi_add_handle(multi, curl) == CURLM_OK else { return CURLE_FAILED_INIT }
        defer { curl_multi_remove_handle(multi, curl) }
        var running: Int32 = 1
        while true {
            guard curl_multi_perform(multi, &running) == CURLM_OK else { return CURLE_FAILED_INIT }
            if running == 0 { break }
            if cancel?.isTriggered == true { return CURLE_ABORTED_BY_CALLBACK }
            // Wakes up on network activity or libcurl's own timers; the cap bounds how late a
            // cancellation is seen.
            _ = curl_multi_poll(multi, nil, 0, cancel == nil ? 1000 : Self.cancelCheckMs, nil)
        }
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            if message.pointee.msg == CURLMSG_DONE { return message.pointee.data.result }
        }
        return CURLE_FAILED_INIT
    }

    func perform(_ request: HTTPRequest, cancel: CancelToken?) -> AttemptResult {
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        // "Expect:" removes libcurl's Expect: 100-continue, which would stall each PUT.
        for line in request.headers + ["Expect:"] {
            guard let extended = curl_slist_append(headerList, line) else {
                return .failed(TransportFailure(kind: .outOfMemory, mayHaveReached: false, detail: "out of memory building headers"))
            }
            headerList = extended
        }

        let state = TransferState(mayResend: request.method == .get)
        let code: CURLcode = withExtendedLifetime(state) {
            let statePointer = Unmanaged.passUnretained(state).toOpaque()
            var ok = dcs_curl_setopt_string(curl, CURLOPT_URL, request.url) == CURLE_OK
            ok = ok && dcs_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, Int(request.timeoutMs)) == CURLE_OK
            ok = ok && dcs_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeoutMs)) == CURLE_OK
            ok = ok && dcs_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList) == CURLE_OK
            for option in [CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_PREREQDATA] {
                ok = ok && dcs_curl_setopt_pointer(curl, option, statePointer) == CURLE_OK
            }
            switch request.method {
            case .put:
                // The body goes out with the headers, in one send (a read callback cost a second).
                ok = ok && request.body.withUnsafeBytes {
                    dcs_curl_setopt_body(curl, $0.baseAddress, curl_off_t($0.count)) == CURLE_OK
                }
                ok = ok && dcs_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, "PUT") == CURLE_OK
            case .get:
                ok = ok && dcs_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, nil) == CURLE_OK
                ok = ok && dcs_curl_setopt_long(curl, CURLOPT_HTTPGET, 1) == CURLE_OK
            }
            guard ok else { return CURLE_FAILED_INIT }
            errorBuffer[0] = 0
            let code = run(cancel)
            // The header list and the state die with this call: no dangling pointers in the handle.
            _ = dcs_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, nil)
            for option in [CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_PREREQDATA] {
                _ = dcs_curl_setopt_pointer(curl, option, nil)
            }
            return code
        }

        if code == CURLE_OK {
            var status = 0
            _ = dcs_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
            return .answered(HTTPAnswer(status: status, body: state.answer, requestID: state.requestID,
                                        contentType: state.contentType, retryAfterSeconds: state.retryAfterSeconds,
                                        dateHeader: state.dateHeader))
        }
        return .failed(failure(for: code, state: state, method: request.method))
    }

    private func failure(for code: CURLcode, state: TransferState, method: HTTPRequest.Method) -> TransportFailure {
        let curlText = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        let detail = "libcurl error \(code.rawValue): \(Printable.clip(curlText, maxCharacters: 256))"
        // A PUT can only be acted on once it was sent: before that, it certainly was not applied.
        let reached = method == .put ? state.requestSent : true
        switch code {
        case CURLE_ABORTED_BY_CALLBACK where state.resendRefused:
            return TransportFailure(kind: .connectionLost, mayHaveReached: true,
                                    detail: "the connection closed after the request was sent; libdcs does not send it again")
        case CURLE_ABORTED_BY_CALLBACK:
            return TransportFailure(kind: .cancelled, mayHaveReached: reached, detail: "cancelled")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return TransportFailure(kind: .neverConnected, mayHaveReached: false, detail: detail)
        case CURLE_OPERATION_TIMEDOUT:
            // A connect that timed out never opened: like a refused connection, it can be retried.
            return TransportFailure(kind: reached ? .timeout : .neverConnected, mayHaveReached: reached,
                                    detail: detail)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS:
            return TransportFailure(kind: .tls, mayHaveReached: reached,
                                    detail: "the server's TLS certificate was not accepted: \(detail)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CRL_BADFILE, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
             CURLE_SSL_ENGINE_INITFAILED:
            return TransportFailure(kind: .tls, mayHaveReached: reached, detail: "the TLS handshake failed: \(detail)")
        case CURLE_FILESIZE_EXCEEDED:
            return TransportFailure(kind: .answerTooLarge, mayHaveReached: true,
                                    detail: "the answer is larger than \(CurlTransport.maxAnswerBytes) bytes")
        case CURLE_WRITE_ERROR where state.answerTooLarge:
            return TransportFailure(kind: .answerTooLarge, mayHaveReached: true,
                                    detail: "the answer is larger than \(CurlTransport.maxAnswerBytes) bytes")
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING:
            return TransportFailure(kind: .malformedAnswer, mayHaveReached: true, detail: detail)
        case CURLE_OUT_OF_MEMORY:
            return TransportFailure(kind: .outOfMemory, mayHaveReached: reached, detail: detail)
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return TransportFailure(kind: .connectionLost, mayHaveReached: reached, detail: detail)
        default:
            return TransportFailure(kind: .other, mayHaveReached: reached, detail: detail)
        }
    }
}

private func transferState(_ userdata: UnsafeMutableRawPointer?) -> TransferState? {
    userdata.map { Unmanaged<TransferState>.fromOpaque($0).takeUnretainedValue() }
}

private let receiveBody: curl_write_callback = { data, size, count, userdata in
    guard let state = transferState(userdata), let data else { return 0 }
    let length = size * count
    guard state.answer.count + length <= CurlTransport.maxAnswerBytes else {
        state.answerTooLarge = true
        return 0  // aborts the transfer: the cap holds even without a Content-Length
    }
    state.answer.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private let receiveHeader: curl_write_callback = { data, size, count, userdata in
    let length = size * count
    guard let state = transferState(userdata), let data else { return length }
    let line = UnsafeRawBufferPointer(start: data, count: length)
    if line.starts(with: "HTTP/".utf8) {
        state.startHeaders()
        return length
    }
    // Byte by byte, without making a String of every header: this runs for each header of
    // each answer, and only four of them matter.
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return length }
    let name = line[..<colon]
    let value = { HeaderValue.text(line[(colon + 1)...]) }
    if HeaderValue.nameIs(name, "x-request-id") {
        state.requestID = value()
    } else if HeaderValue.nameIs(name, "content-type") {
        state.contentType = value()
    } else if HeaderValue.nameIs(name, "retry-after") {
        state.retryAfterSeconds = retryAfterSeconds(value())
    } else if HeaderValue.nameIs(name, "date") {
        state.dateHeader = value()
    }
    return length
}

/// Header bytes as the transport keeps them.
enum HeaderValue {
    static let maxBytes = 256

    /// ASCII case-insensitive comparison with a lower-case name.
    static func nameIs(_ bytes: Slice<UnsafeRawBufferPointer>, _ lowercased: StaticString) -> Bool {
        guard bytes.count == lowercased.utf8CodeUnitCount else { return false }
        return lowercased.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { byte, wanted in
                (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) == wanted
            }
        }
    }

    /// The value without surrounding white space, printable ASCII only (anything else is
    /// dropped: a hostile value cannot put control characters into a message), at most 256 bytes.
    static func text(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var kept: [UInt8] = []
        kept.reserveCapacity(min(bytes.count, maxBytes))
        for byte in bytes where byte >= 0x20 && byte < 0x7f {
            if kept.count == maxBytes { break }
            if byte == 0x20 && kept.isEmpty { continue }
            kept.append(byte)
        }
        while kept.last == 0x20 { kept.removeLast() }
        return String(decoding: kept, as: UTF8.self)
    }
}

/// Retry-After is either seconds or an HTTP date. Capped at a day: no policy waits that long,
/// and a hostile value must not overflow later arithmetic.
private func retryAfterSeconds(_ value: String) -> Int? {
    let day = 86_400
    if let seconds = Int(value) { return min(max(0, seconds), day) }
    let when = curl_getdate(value, nil)
    guard when > 0 else { return nil }
    let now = time(nil)
    return when <= now ? 0 : Int(min(when - now, time_t(day)))
}

/// libcurl calls this once it has a connection, just before it sends the request; a second
/// time only to send it again on a new connection, after a reused one died mid-request. That
/// request may have reached the service, so a PUT is not sent again: the transfer ends instead
/// (test_dead_reused_connection_is_not_resent catches a re-send).
private let beforeSending: curl_prereq_callback = { userdata, _, _, _, _ in
    guard let state = transferState(userdata) else { return CURL_PREREQFUNC_ABORT }
    if state.requestSent && !state.mayResend {
        state.resendRefused = true
        return CURL_PREREQFUNC_ABORT
    }
    state.requestSent = true
    return CURL_PREREQFUNC_OK
}
