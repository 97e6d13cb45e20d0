import CCurl

/// The libcurl that libdcs runs on.
public enum LibcurlVersion {
    /// The version of the libcurl loaded at run time, "7.88.1" (the one of the build may differ).
    /// Only the version string is read: it does not change with curl_global_init, as feature
    /// bits may.
    public static let loaded: String = curl_version_info(CURLVERSION_TENTH)?.pointee.version
        .map { String(cString: $0) } ?? "unknown"
}
