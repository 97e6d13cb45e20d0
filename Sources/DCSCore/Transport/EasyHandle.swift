import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// One libcurl easy handle with the options that never change for its client.
final class EasyHandle: @unchecked Sendable {
    // @unchecked: a handle is used by one thread at a time, the pool's mutex hands it over.
    private let curl: UnsafeMutableRawPointer
    /// Drives the transfer so that it can be cancelled between polls; it also holds the
    /// connection cache, so the handle's connection stays open from one transfer to the next.
    private let multi: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The process that made the handle: a child of a fork must never use it (see `HandlePool`).
    let ownerPID = getpid()
    /// The socket of the connection the last transfer left open, if it left one.
    private var keptSocket: curl_socket_t = CURL_SOCKET_BAD

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
        // The path goes out as it was signed: no dot segments removed, nothing merged.
        set(dcs_curl_setopt_long(curl, CURLOPT_PATH_AS_IS, 1))
        switch options.proxy {
        case .environment:
            break  // libcurl reads https_proxy, all_proxy and no_proxy itself
        case .none:
            set(dcs_curl_setopt_string(curl, CURLOPT_PROXY, ""))
        case let .url(url):
            set(dcs_curl_setopt_string(curl, CURLOPT_PROXY, url))
        }
        // HTTP/1.1 only: its send and re-send behaviour is the one the never-twice rule is built on.
        set(dcs_curl_setopt_long(curl, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)))
        set(dcs_curl_setopt_string(curl, CURLOPT_USERAGENT, options.userAgent))
        set(dcs_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer))
        set(dcs_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, options.insecure ? 0 : 1))
        set(dcs_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, options.insecure ? 0 : 2))
        if let caFile = options.caFile {
            set(dcs_curl_setopt_string(curl, CURLOPT_CAINFO, caFile))
        }
        set(dcs_curl_setopt_write_callback(curl, CurlCallbacks.receiveBody))
        set(dcs_curl_setopt_header_callback(curl, CurlCallbacks.receiveHeader))
        set(dcs_curl_setopt_prereq_callback(curl, CurlCallbacks.beforeSending))
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

    /// For a handle a fork left in the child: its connection's socket is closed, only in this
    /// process (the parent's copy stays open, and nothing is written on it: cleaning up would
    /// send a TLS close_notify that ends the parent's session), and the handle is never used
    /// or cleaned up again. What it holds in memory stays, once per inherited handle.
    func abandon() {
        if keptSocket != CURL_SOCKET_BAD { close(keptSocket) }
        HandlePool.keepForever(self)  // no deinit, no curl_easy_cleanup
    }

    /// How often a transfer looks at its cancel token while it waits for the network.
    private static let cancelCheckMs: Int32 = 50

    /// Runs the transfer to its end, or until `cancel` is triggered (CURLE_ABORTED_BY_CALLBACK).
    private func run(_ cancel: CancelToken?) -> CURLcode {
        // A token triggered since the caller last looked (by a log callback, say) sends nothing:
        // the first perform may send the request and read a fast answer before any check.
        if cancel?.isTriggered == true { return CURLE_ABORTED_BY_CALLBACK }
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
        // The kept connection's socket, read while the handle still reaches the connection cache:
        // libcurl closes a cached connection only during a later transfer on this handle.
        keptSocket = CURL_SOCKET_BAD
        _ = dcs_curl_getinfo_socket(curl, CURLINFO_ACTIVESOCKET, &keptSocket)
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            if message.pointee.msg == CURLMSG_DONE { return message.pointee.data.result }
        }
        return CURLE_FAILED_INIT
    }

    func perform(_ request: HTTPRequest, cancel: CancelToken?) -> Result<HTTPAnswer, TransportFailure> {
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        // "Expect:" removes libcurl's Expect: 100-continue, which would stall each PUT.
        for line in request.headers + ["Expect:"] {
            guard let extended = curl_slist_append(headerList, line) else {
                return .failure(TransportFailure(kind: .outOfMemory, mayHaveReached: false, detail: "out of memory building headers"))
            }
            headerList = extended
        }

        let state = TransferState(mayResend: request.method == .get, maxAnswerBytes: request.maxAnswerBytes)
        let code: CURLcode = withExtendedLifetime(state) {
            let statePointer = Unmanaged.passUnretained(state).toOpaque()
            var ok = dcs_curl_setopt_string(curl, CURLOPT_URL, request.url) == CURLE_OK
            ok = ok && dcs_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, Int(request.timeoutMs)) == CURLE_OK
            ok = ok && dcs_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeoutMs)) == CURLE_OK
            ok = ok && dcs_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList) == CURLE_OK
            ok = ok && dcs_curl_setopt_offset(curl, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxAnswerBytes)) == CURLE_OK
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
            // Only an error answer can be about the clock: the Date of the rest is not read.
            let serverDate = status >= 400 ? HeaderValue.httpDate(state.dateHeader) : nil
            return .success(HTTPAnswer(status: status, body: state.answer, requestID: state.requestID,
                                       contentType: state.contentType, retryAfterSeconds: state.retryAfterSeconds,
                                       serverDate: serverDate))
        }
        return .failure(failure(for: code, state: state, method: request.method))
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
                                    detail: "the answer is larger than \(state.maxAnswerBytes) bytes")
        case CURLE_WRITE_ERROR where state.answerTooLarge:
            return TransportFailure(kind: .answerTooLarge, mayHaveReached: true,
                                    detail: "the answer is larger than \(state.maxAnswerBytes) bytes")
        case CURLE_WRITE_ERROR where state.headersTooLarge:
            return TransportFailure(kind: .answerTooLarge, mayHaveReached: true,
                                    detail: "the answer's headers are larger than \(CurlTransport.maxHeaderBytes) bytes")
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING:
            return TransportFailure(kind: .malformedAnswer, mayHaveReached: true, detail: detail)
        case CURLE_OUT_OF_MEMORY where state.requestSent:
            // While the answer came in, this is nearly always a header line past libcurl's own
            // limit (100 KiB), which it reports as out of memory: an answer refused, not a host
            // without memory.
            return TransportFailure(kind: .answerTooLarge, mayHaveReached: true,
                                    detail: "the answer's headers are larger than libcurl takes (\(detail))")
        case CURLE_OUT_OF_MEMORY:
            return TransportFailure(kind: .outOfMemory, mayHaveReached: reached, detail: detail)
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return TransportFailure(kind: .connectionLost, mayHaveReached: reached, detail: detail)
        default:
            return TransportFailure(kind: .other, mayHaveReached: reached, detail: detail)
        }
    }
}
