import COpenSSLCrypto

/// SHA-256 and HMAC-SHA256, from the libcrypto that libcurl loads anyway.
enum Digest {
    static let byteCount = 32

    /// OpenSSL fails here only without memory: the 32 zero bytes then returned make a signature
    /// the gateway refuses (a 401: not applied), never a crash.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        let ok = bytes.withUnsafeBytes { data in
            out.withUnsafeMutableBufferPointer { dcs_sha256(data.baseAddress, data.count, $0.baseAddress) }
        }
        return ok == 1 ? out : [UInt8](repeating: 0, count: byteCount)
    }

    static func hmacSHA256(key: [UInt8], _ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        let ok = key.withUnsafeBytes { keyBytes in
            bytes.withUnsafeBytes { data in
                out.withUnsafeMutableBufferPointer {
                    dcs_hmac_sha256(keyBytes.baseAddress, keyBytes.count, data.baseAddress, data.count, $0.baseAddress)
                }
            }
        }
        return ok == 1 ? out : [UInt8](repeating: 0, count: byteCount)
    }
}
