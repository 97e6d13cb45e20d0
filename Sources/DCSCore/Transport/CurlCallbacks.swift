import CCurl

/// The functions libcurl calls during a transfer, each given the transfer's `TransferState`.
enum CurlCallbacks {
    private static func transferState(_ userdata: UnsafeMutableRawPointer?) -> TransferState? {
        userdata.map { Unmanaged<TransferState>.fromOpaque($0).takeUnretainedValue() }
    }

    static let receiveBody: curl_write_callback = { data, size, count, userdata in
        guard let state = transferState(userdata), let data else { return 0 }
        let length = size * count
        guard state.answer.count + length <= state.maxAnswerBytes else {
            state.answerTooLarge = true
            return 0  // aborts the transfer: the cap holds even without a Content-Length
        }
        state.answer.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        return length
    }

    static let receiveHeader: curl_write_callback = { data, size, count, userdata in
        let length = size * count
        guard let state = transferState(userdata), let data else { return length }
        state.headerBytes += length
        guard state.headerBytes <= CurlTransport.maxHeaderBytes else {
            state.headersTooLarge = true
            return 0  // aborts the transfer before libcurl gathers them (its own limit says "out of memory")
        }
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
            state.retryAfterSeconds = HeaderValue.retryAfterSeconds(value())
        } else if HeaderValue.nameIs(name, "date") {
            state.dateHeader = value()
        }
        return length
    }

    /// libcurl calls this once it has a connection, just before it sends the request; a second
    /// time only to send it again on a new connection, after a reused one died mid-request. That
    /// request may have reached the service, so a PUT is not sent again: the transfer ends instead
    /// (test_dead_reused_connection_is_not_resent catches a re-send).
    static let beforeSending: curl_prereq_callback = { userdata, _, _, _, _ in
        guard let state = transferState(userdata) else { return CURL_PREREQFUNC_ABORT }
        if state.requestSent && !state.mayResend {
            state.resendRefused = true
            return CURL_PREREQFUNC_ABORT
        }
        state.requestSent = true
        return CURL_PREREQFUNC_OK
    }
}
