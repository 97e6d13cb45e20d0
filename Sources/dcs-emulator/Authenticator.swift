import DCSSigning

/// Checks a request's credentials the way the API gateway does: an `SDK-HMAC-SHA256` signature
/// (verified with DCSSigning's `RequestSigner`, the one place the signing rule lives) or an IAM
/// token. Refusal messages say which check failed and never repeat a secret.
struct Authenticator: Sendable {
    /// How far `X-Sdk-Date` may be from the emulator's clock.
    static let allowedClockSkew = 15 * 60

    let signer: RequestSigner
    let securityToken: String?
    let authToken: String?
    /// The clock `X-Sdk-Date` is compared with: the emulator's, offset included.
    let clock: EmulatorClock

    init(accessKey: String, secretKey: String, securityToken: String?, authToken: String?, clock: EmulatorClock) {
        signer = RequestSigner(accessKey: accessKey, secretKey: secretKey)
        self.securityToken = securityToken
        self.authToken = authToken
        self.clock = clock
    }

    /// nil when the request is authenticated, else the 401 to answer. `now` defaults to the
    /// emulator's clock.
    func refusal(of request: ReceivedRequest, now: Int? = nil) -> Reply? {
        let now = now ?? clock.now()
        if let authorization = request.header("authorization") {
            guard let problem = signatureProblem(request, authorization: authorization, now: now) else { return nil }
            return .error(401, code: "APIGW.0301", message: "Incorrect IAM authentication information: \(problem)")
        }
        if let token = request.header("x-auth-token") {
            if let authToken, constantTimeEquals(token, authToken) { return nil }
            return .error(401, code: "DCS.1001", message: "Invalid token.")
        }
        return .error(401, code: "APIGW.0301",
                      message: "Incorrect IAM authentication information: no Authorization or X-Auth-Token header")
    }

    private func signatureProblem(_ request: ReceivedRequest, authorization: String, now: Int) -> String? {
        guard let fields = Self.parseAuthorization(authorization) else {
            return "Authorization is not of the form SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=..."
        }
        guard fields.access == signer.accessKey else { return "unknown access key" }
        let signedNames = fields.signedHeaders.split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.lowercased() }
        guard signedNames.contains("host") else { return "SignedHeaders must include host" }
        guard signedNames.contains("x-sdk-date") else { return "SignedHeaders must include x-sdk-date" }
        var signedHeaders: [(name: String, value: String)] = []
        for name in signedNames {
            guard let value = request.header(name) else { return "signed header \(name) is missing" }
            signedHeaders.append((name: name, value: value))
        }
        guard let dateText = request.header("x-sdk-date"),
              let date = WallClock.parseSDKDate(dateText.trimmingASCIIWhitespace()) else {
            return "X-Sdk-Date is not of the form YYYYMMDDTHHMMSSZ"
        }
        guard abs(date - now) <= Self.allowedClockSkew else {
            return "X-Sdk-Date is out of range: more than 15 minutes away from the server's clock "
                + "(the Date header of this answer gives the server's time)"
        }
        if let securityToken {
            guard signedNames.contains("x-security-token"), let token = request.header("x-security-token") else {
                return "a signed X-Security-Token is required for these credentials"
            }
            guard constantTimeEquals(token, securityToken) else { return "X-Security-Token does not match" }
        }
        let expected = signer.signature(method: request.method, path: request.path, query: request.queryPairs,
                                        headers: signedHeaders, body: request.body)
        guard constantTimeEquals(fields.signature.lowercased(), expected) else {
            return "signature does not match"
        }
        return nil
    }

    /// `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`, members in any order.
    static func parseAuthorization(_ value: String) -> (access: String, signedHeaders: String, signature: String)? {
        let prefix = RequestSigner.algorithm + " "
        guard value.hasPrefix(prefix) else { return nil }
        var members: [String: String] = [:]
        for member in value.dropFirst(prefix.count).split(separator: ",") {
            let trimmed = String(member).trimmingASCIIWhitespace()
            guard let equals = trimmed.firstIndex(of: "=") else { return nil }
            members[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        guard let access = members["Access"], let signedHeaders = members["SignedHeaders"],
              let signature = members["Signature"], !signature.isEmpty else { return nil }
        return (access, signedHeaders, signature)
    }
}

/// Compares two secrets in time that depends on their lengths only, never on where they differ.
func constantTimeEquals(_ left: String, _ right: String) -> Bool {
    let a = Array(left.utf8), b = Array(right.utf8)
    var difference = UInt8(a.count == b.count ? 0 : 1)
    for index in 0..<max(a.count, b.count) {
        difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
    }
    return difference == 0
}
