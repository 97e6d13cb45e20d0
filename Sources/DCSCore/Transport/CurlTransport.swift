import CCurl

/// libcurl is initialised once per process, thread-safely (Swift runs a global's initialiser once).
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// Why the libcurl loaded at run time cannot be used, if it cannot: the never-twice rule rests on
/// CURLOPT_PREREQFUNCTION, which came with 7.80.0 (the build checks its headers; an older
/// libcurl.so.4 on the machine that runs libdcs is caught here, before anything is sent).
private let curlTooOld: String? = {
    guard let info = curl_version_info(CURLVERSION_TENTH), info.pointee.version_num < 0x07_50_00 else { return nil }
    return "libcurl \(LibcurlVersion.loaded) is older than 7.80.0, the first version libdcs can use"
}()

/// Sends requests over libcurl. Thread-safe: each request takes an easy handle of its own from
/// a pool, and gives it back with its open connection, so sequential calls reuse one connection
/// and concurrent calls run side by side. Fork-safe: a child never uses a connection its parent
/// opened (see `HandlePool`).
final class CurlTransport: HTTPTransport {
    static let maxAnswerBytes = 1 << 20
    /// All of an answer's header lines together: far above anything the service sends.
    static let maxHeaderBytes = 64 << 10
    private static let maxIdleHandles = 16

    private let options: HandleOptions
    private let pool = HandlePool(capacity: CurlTransport.maxIdleHandles)

    struct HandleOptions: Sendable {
        var caFile: String?
        var insecure: Bool
        var userAgent: String
        var proxy: Proxy = .environment
    }

    /// Which proxy requests go through.
    enum Proxy: Sendable, Equatable {
        /// libcurl's reading of the environment: https_proxy, all_proxy, no_proxy (and
        /// http_proxy for http:// endpoints), upper or lower case.
        case environment
        /// None, whatever the environment says: for loopback endpoints always.
        case none
        case url(String)
    }

    init(options: HandleOptions) {
        self.options = options
    }

    func send(_ request: HTTPRequest, cancel: CancelToken?) -> Result<HTTPAnswer, TransportFailure> {
        guard curlGlobalInit == CURLE_OK else {
            return .failure(TransportFailure(kind: .other, mayHaveReached: false, detail: "libcurl could not be initialised"))
        }
        if let curlTooOld {
            return .failure(TransportFailure(kind: .other, mayHaveReached: false, detail: curlTooOld))
        }
        guard let handle = pool.take() ?? EasyHandle(options: options) else {
            return .failure(TransportFailure(kind: .outOfMemory, mayHaveReached: false, detail: "libcurl could not make a handle"))
        }
        let result = handle.perform(request, cancel: cancel)
        pool.put(handle)
        return result
    }
}
