import CDigest

/// SHA-256 and HMAC-SHA256, from the libcrypto that libcurl loads anyway. OpenSSL fails here
/// only without memory: the 32 zero bytes then returned make a signature the gateway refuses
/// (a 401: not applied), never a crash.
enum Digest {
    static let byteCount = 32

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        let ok = bytes.withUnsafeBytes { data in
            out.withUnsafeMutableBufferPointer { libdcs_sha256(data.baseAddress, data.count, $0.baseAddress) }
        }
        return ok == 1 ? out : [UInt8](repeating: 0, count: byteCount)
    }

    /// An HMAC-SHA256 key set up once (a signer's SK), for any number of threads.
    final class HMACKey: @unchecked Sendable {
        // @unchecked: the C key is never changed after setup; signing works on a copy of it.
        private let key: OpaquePointer?

        init(_ secret: [UInt8]) {
            key = secret.withUnsafeBytes { libdcs_hmac_key_new($0.baseAddress, $0.count) }
        }

        deinit { libdcs_hmac_key_free(key) }

        func authenticate(_ bytes: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: Digest.byteCount)
            let ok = bytes.withUnsafeBytes { data in
                out.withUnsafeMutableBufferPointer { libdcs_hmac_sha256(key, data.baseAddress, data.count, $0.baseAddress) }
            }
            return ok == 1 ? out : [UInt8](repeating: 0, count: Digest.byteCount)
        }
    }
}
