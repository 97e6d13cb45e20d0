#if canImport(Glibc)
import Glibc
#endif
import DCSSigning

/// The settings a client is made from. Setters check the form of one value; `resolved()` checks
/// that the whole makes a client. Messages name settings in neutral words (the endpoint, the
/// project id): each front door (C, Python, Go) knows how its callers set them.
public struct ClientSettings: Sendable {
    public private(set) var endpoint: Endpoint?
    public private(set) var region: String?
    public private(set) var projectID: String?
    public private(set) var credentials: Credentials?
    public private(set) var connectTimeoutMs: UInt32 = 10_000
    public private(set) var totalTimeoutMs: UInt32 = 30_000
    public private(set) var maxRetries: UInt32 = 2
    public private(set) var caFile: String?
    public private(set) var insecure = false
    public private(set) var busyRetryMs: UInt32 = 0
    public private(set) var log: LogSink?
    public private(set) var proxy = ProxySetting.environment

    public static let maxRetriesLimit: UInt32 = 10

    public init() {}

    public mutating func setEndpoint(_ url: String) throws(ArgumentError) {
        endpoint = try Endpoint(parsing: url, argument: "url")
    }

    public mutating func setRegion(_ value: String) throws(ArgumentError) {
        guard !value.isEmpty else { throw ArgumentError("region is empty") }
        guard value.utf8.count <= 64,
              value.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }) else {
            throw ArgumentError("region must be lower-case letters, digits and '-', like cn-north-4")
        }
        region = value
    }

    public mutating func setProjectID(_ value: String) throws(ArgumentError) {
        guard !value.isEmpty else { throw ArgumentError("project_id is empty") }
        guard value.utf8.count <= 64, value.utf8.allSatisfy(PercentEncoding.isUnreserved) else {
            throw ArgumentError("project_id must be at most 64 letters, digits, '-', '_', '.' or '~'")
        }
        guard !PathSegment.isDotSegment(Array(value.utf8)) else {
            throw ArgumentError("project_id is \"\(value)\", which a URL path reads as a step, not a name")
        }
        projectID = value
    }

    public mutating func setCredentials(_ value: Credentials) {
        credentials = value
    }

    public mutating func setTimeouts(connectMs: UInt32, totalMs: UInt32) throws(ArgumentError) {
        guard connectMs >= 1 else { throw ArgumentError("connect_ms must be at least 1") }
        guard totalMs >= 1 else { throw ArgumentError("total_ms must be at least 1") }
        guard connectMs <= totalMs else { throw ArgumentError("connect_ms must not exceed total_ms") }
        connectTimeoutMs = connectMs
        totalTimeoutMs = totalMs
    }

    public mutating func setMaxRetries(_ value: UInt32) throws(ArgumentError) {
        guard value <= Self.maxRetriesLimit else {
            throw ArgumentError("retries must be at most \(Self.maxRetriesLimit)")
        }
        maxRetries = value
    }

    /// nil goes back to the system's CA store.
    public mutating func setCAFile(_ path: String?) throws(ArgumentError) {
        if let path {
            guard !path.isEmpty else { throw ArgumentError("pem_path is empty") }
            guard !path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ArgumentError("pem_path holds a control character")
            }
        }
        caFile = path
    }

    /// nil goes back to the environment's proxy; "" is no proxy at all.
    public mutating func setProxy(_ value: String?) throws(ArgumentError) {
        proxy = try value.map { (text) throws(ArgumentError) in try ProxySetting(parsing: text, argument: "proxy_url") }
            ?? .environment
    }

    public mutating func setInsecure(_ value: Bool) {
        insecure = value
    }

    /// How long a request refused because an instance is busy is retried; 0 turns it off.
    public mutating func setBusyRetry(milliseconds: UInt32) {
        busyRetryMs = milliseconds
    }

    /// nil turns logging off.
    public mutating func setLog(_ sink: LogSink?) {
        log = sink
    }

    /// Applies the variables Huawei's SDKs read, plus DCS_ENDPOINT and DCS_REGION, then Huawei's
    /// credentials file for what the variables left unset. Unset or empty variables leave their
    /// setting alone. `readFile` gives a file's text, or why it cannot.
    public mutating func applyEnvironment(_ read: (String) -> String?,
                                          readFile: (String) -> Result<String, RegularFile.Problem> = { _ in
                                              .failure(.unreadable)
                                          }) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            guard let text = read(name), !text.isEmpty else { return nil }
            return text
        }
        func apply(_ name: String, _ set: (inout ClientSettings) throws(ArgumentError) -> Void) throws(ConfigurationError) {
            do throws(ArgumentError) {
                try set(&self)
            } catch {
                throw ConfigurationError("\(name): \(error.message)")
            }
        }

        let ak = value("HUAWEICLOUD_SDK_AK")
        let sk = value("HUAWEICLOUD_SDK_SK")
        let token = value("HUAWEICLOUD_SDK_SECURITY_TOKEN")
        switch (ak, sk) {
        case let (ak?, sk?):
            try apply("HUAWEICLOUD_SDK_AK/SK") { (settings: inout ClientSettings) throws(ArgumentError) in
                settings.setCredentials(try Credentials.validatedAccessKey(ak: ak, sk: sk, securityToken: token))
            }
        case (nil, nil):
            if token != nil {
                throw ConfigurationError("HUAWEICLOUD_SDK_SECURITY_TOKEN is set without HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK")
            }
        case (nil, _?):
            throw ConfigurationError("HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not")
        case (_?, nil):
            throw ConfigurationError("HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not")
        }
        if let projectID = value("HUAWEICLOUD_SDK_PROJECT_ID") {
            try apply("HUAWEICLOUD_SDK_PROJECT_ID") { (settings: inout ClientSettings) throws(ArgumentError) in
                try settings.setProjectID(projectID)
            }
        }
        if let endpoint = value("DCS_ENDPOINT") {
            try apply("DCS_ENDPOINT") { (settings: inout ClientSettings) throws(ArgumentError) in
                try settings.setEndpoint(endpoint)
            }
        }
        if let proxy = value("DCS_PROXY") {
            try apply("DCS_PROXY") { (settings: inout ClientSettings) throws(ArgumentError) in
                try settings.setProxy(proxy)
            }
        }
        if let region = value("DCS_REGION") {
            try apply("DCS_REGION") { (settings: inout ClientSettings) throws(ArgumentError) in
                try settings.setRegion(region)
            }
        }
        // Huawei's SDKs let a region's endpoint be moved; an explicit endpoint still wins.
        if endpoint == nil, let region {
            let name = "HUAWEICLOUD_SDK_REGION_DCS_" + String(region.uppercased().map { $0 == "-" ? "_" : $0 })
            if let url = value(name) {
                try apply(name) { (settings: inout ClientSettings) throws(ArgumentError) in
                    try settings.setEndpoint(url)
                }
            }
        }
        try applyCredentialsFile(path: value("HUAWEICLOUD_SDK_CREDENTIALS_FILE"), home: value("HOME"),
                                 readFile: readFile)
    }

    /// Huawei's credentials file, `[basic]` section: `ak`, `sk`, `project_id`, `security_token`;
    /// read, never written. Fills only what is still unset. A file named by
    /// HUAWEICLOUD_SDK_CREDENTIALS_FILE must exist; the default `~/.huaweicloud/credentials` may not,
    /// but either must be a regular file when it is there.
    private mutating func applyCredentialsFile(path explicitPath: String?, home: String?,
                                               readFile: (String) -> Result<String, RegularFile.Problem>)
        throws(ConfigurationError) {
        guard let path = explicitPath ?? home.map({ "\($0)/.huaweicloud/credentials" }) else { return }
        let text: String
        switch readFile(path) {
        case let .success(read):
            text = read
        case .failure(.unreadable) where explicitPath == nil:
            return
        case let .failure(problem):
            throw ConfigurationError(explicitPath != nil ? "HUAWEICLOUD_SDK_CREDENTIALS_FILE: \(path) \(problem)"
                                                         : "credentials file \(path) \(problem)")
        }
        let basic = CredentialsFile.section("basic", of: text)
        func fail(_ error: ArgumentError) -> ConfigurationError {
            ConfigurationError("credentials file \(path), [basic]: \(error.message)")
        }
        if credentials == nil, let ak = basic["ak"], let sk = basic["sk"] {
            do throws(ArgumentError) {
                credentials = try Credentials.validatedAccessKey(ak: ak, sk: sk, securityToken: basic["security_token"])
            } catch {
                throw fail(error)
            }
        } else if credentials == nil, (basic["ak"] == nil) != (basic["sk"] == nil) {
            throw ConfigurationError("credentials file \(path), [basic]: ak and sk go together")
        }
        if projectID == nil, let project = basic["project_id"] {
            do throws(ArgumentError) {
                try setProjectID(project)
            } catch {
                throw fail(error)
            }
        }
    }

    /// The settings a client runs with, once they make a whole.
    public func resolved() throws(ConfigurationError) -> ClientConfiguration {
        guard let endpoint = endpoint ?? region.map(Endpoint.init(region:)) else {
            throw ConfigurationError("no endpoint: set the endpoint or the region (environment: DCS_ENDPOINT or DCS_REGION)")
        }
        guard let projectID else {
            throw ConfigurationError("no project id: set the project id (environment: HUAWEICLOUD_SDK_PROJECT_ID)")
        }
        guard let credentials else {
            throw ConfigurationError("no credentials: set AK/SK credentials or an IAM token (environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK)")
        }
        if endpoint.scheme == .http && !endpoint.isLoopback && !insecure {
            throw ConfigurationError("endpoint \(endpoint.baseURL) is plain HTTP to a host that is not loopback: use https:// (the insecure setting allows it, for tests only)")
        }
        if let caFile, let problem = RegularFile.problem(opening: caFile) {
            throw ConfigurationError("ca_file \(caFile) \(problem)")
        }
        return ClientConfiguration(endpoint: endpoint, projectID: projectID, credentials: credentials,
                                   connectTimeoutMs: connectTimeoutMs, totalTimeoutMs: totalTimeoutMs,
                                   maxRetries: maxRetries, caFile: caFile, insecure: insecure,
                                   busyRetryMs: busyRetryMs, log: log, proxy: proxy)
    }
}
