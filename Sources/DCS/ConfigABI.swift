import DCSCore
#if canImport(Glibc)
import Glibc
#endif

/// The object behind `dcs_config *`.
final class ConfigBox {
    var settings = ClientSettings()
    /// The message of the last call on this config that failed; nil after one that succeeded.
    var lastError: OwnedCString?

    func record(_ status: CallStatus, _ message: String?) -> Int32 {
        lastError = message.flatMap(OwnedCString.init)
        return status.rawValue
    }
}

/// Runs a setter on the config behind `cfg`: DCS_EINVAL for a NULL cfg or a bad argument.
private func updateConfig(_ cfg: OpaquePointer?, _ change: (inout ClientSettings) throws(ArgumentError) -> Void) -> Int32 {
    guard let cfg else { return CallStatus.invalidArgument.rawValue }
    let box = Unmanaged<ConfigBox>.borrow(cfg)
    var settings = box.settings
    do throws(ArgumentError) {
        try change(&settings)
    } catch {
        return box.record(.invalidArgument, error.message)
    }
    box.settings = settings
    return box.record(.ok, nil)
}

@_cdecl("dcs_config_new")
public func dcs_config_new() -> OpaquePointer? {
    Unmanaged.handOut(ConfigBox())
}

@_cdecl("dcs_config_free")
public func dcs_config_free(_ cfg: OpaquePointer?) {
    guard let cfg else { return }
    Unmanaged<ConfigBox>.release(cfg)
}

@_cdecl("dcs_config_set_endpoint")
public func dcs_config_set_endpoint(_ cfg: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        try settings.setEndpoint(readCString(url, argument: "url", maxBytes: ArgumentLimits.url))
    }
}

@_cdecl("dcs_config_set_region")
public func dcs_config_set_region(_ cfg: OpaquePointer?, _ region: UnsafePointer<CChar>?) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        try settings.setRegion(readCString(region, argument: "region", maxBytes: ArgumentLimits.shortText))
    }
}

@_cdecl("dcs_config_set_project_id")
public func dcs_config_set_project_id(_ cfg: OpaquePointer?, _ projectID: UnsafePointer<CChar>?) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        try settings.setProjectID(readCString(projectID, argument: "project_id", maxBytes: ArgumentLimits.shortText))
    }
}

@_cdecl("dcs_config_set_credentials")
public func dcs_config_set_credentials(_ cfg: OpaquePointer?, _ ak: UnsafePointer<CChar>?,
                                       _ sk: UnsafePointer<CChar>?, _ securityToken: UnsafePointer<CChar>?) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        let token = try securityToken.map { (pointer) throws(ArgumentError) in
            try readCString(pointer, argument: "security_token", maxBytes: ArgumentLimits.token)
        }
        settings.setCredentials(try Credentials.validatedAccessKey(
            ak: readCString(ak, argument: "ak", maxBytes: ArgumentLimits.shortText),
            sk: readCString(sk, argument: "sk", maxBytes: ArgumentLimits.shortText),
            securityToken: token))
    }
}

@_cdecl("dcs_config_set_auth_token")
public func dcs_config_set_auth_token(_ cfg: OpaquePointer?, _ token: UnsafePointer<CChar>?) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        settings.setCredentials(try Credentials.validatedIAMToken(
            readCString(token, argument: "iam_token", maxBytes: ArgumentLimits.token)))
    }
}

@_cdecl("dcs_config_set_timeouts")
public func dcs_config_set_timeouts(_ cfg: OpaquePointer?, _ connectMs: UInt32, _ totalMs: UInt32) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        try settings.setTimeouts(connectMs: connectMs, totalMs: totalMs)
    }
}

@_cdecl("dcs_config_set_max_retries")
public func dcs_config_set_max_retries(_ cfg: OpaquePointer?, _ retries: UInt32) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        try settings.setMaxRetries(retries)
    }
}

@_cdecl("dcs_config_set_ca_file")
public func dcs_config_set_ca_file(_ cfg: OpaquePointer?, _ pemPath: UnsafePointer<CChar>?) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        let path = try pemPath.map { (pointer) throws(ArgumentError) in
            try readCString(pointer, argument: "pem_path", maxBytes: ArgumentLimits.path)
        }
        try settings.setCAFile(path)
    }
}

@_cdecl("dcs_config_set_proxy")
public func dcs_config_set_proxy(_ cfg: OpaquePointer?, _ proxyURL: UnsafePointer<CChar>?) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        let url = try proxyURL.map { (pointer) throws(ArgumentError) in
            try readCString(pointer, argument: "proxy_url", maxBytes: ArgumentLimits.url)
        }
        try settings.setProxy(url)
    }
}

@_cdecl("dcs_config_set_insecure")
public func dcs_config_set_insecure(_ cfg: OpaquePointer?, _ skipTLSVerify: Int32) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        settings.setInsecure(skipTLSVerify != 0)
    }
}

@_cdecl("dcs_config_set_busy_retry")
public func dcs_config_set_busy_retry(_ cfg: OpaquePointer?, _ maxWaitMs: UInt32) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        settings.setBusyRetry(milliseconds: maxWaitMs)
    }
}

/// The caller's log function and its user pointer, called from whichever thread logs.
private struct CLogTarget: @unchecked Sendable {
    // @unchecked: the pointer is the caller's; the header says the function must be thread-safe.
    let function: @convention(c) (Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void
    let user: UnsafeMutableRawPointer?
}

@_cdecl("dcs_config_set_log")
public func dcs_config_set_log(_ cfg: OpaquePointer?, _ minimum: Int32,
                               _ function: (@convention(c) (Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void)?,
                               _ user: UnsafeMutableRawPointer?) -> Int32 {
    updateConfig(cfg) { (settings: inout ClientSettings) throws(ArgumentError) in
        guard let function else {
            settings.setLog(nil)
            return
        }
        guard let level = LogLevel(rawValue: minimum) else {
            throw ArgumentError("min_level \(minimum) is not a dcs_log_level")
        }
        let target = CLogTarget(function: function, user: user)
        settings.setLog(LogSink(minimum: level) { level, message in
            message.withCString { target.function(level.rawValue, $0, target.user) }
        })
    }
}

@_cdecl("dcs_config_from_env")
public func dcs_config_from_env(_ cfg: OpaquePointer?) -> Int32 {
    guard let cfg else { return CallStatus.invalidArgument.rawValue }
    let box = Unmanaged<ConfigBox>.borrow(cfg)
    do throws(ConfigurationError) {
        try box.settings.applyEnvironment({ name in getenv(name).map { String(cString: $0) } },
                                          readFile: { RegularFile.readText($0, limit: 64 * 1024) })
    } catch {
        return box.record(.configuration, error.message)
    }
    return box.record(.ok, nil)
}

@_cdecl("dcs_config_error")
public func dcs_config_error(_ cfg: OpaquePointer?) -> UnsafePointer<CChar> {
    guard let cfg, let message = Unmanaged<ConfigBox>.borrow(cfg).lastError else { return emptyCString }
    return message.borrowed
}

nonisolated(unsafe) private let logLevelNames: [Int32: UnsafePointer<CChar>] = Dictionary(uniqueKeysWithValues: [
    (LogLevel.debug, "debug"), (.info, "info"), (.warn, "warn"), (.error, "error"),
].map { ($0.0.rawValue, staticCString($0.1)) })
nonisolated(unsafe) private let invalidLogLevelName = staticCString("invalid")

@_cdecl("dcs_log_level_name")
public func dcs_log_level_name(_ level: Int32) -> UnsafePointer<CChar> {
    logLevelNames[level] ?? invalidLogLevelName
}
