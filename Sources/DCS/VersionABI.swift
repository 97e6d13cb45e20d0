import DCSCore

nonisolated(unsafe) private let versionString = staticCString(StatusClient.version)
nonisolated(unsafe) private let libcurlVersionString = staticCString(LibcurlVersion.loaded)

nonisolated(unsafe) private let statusNames: [Int32: UnsafePointer<CChar>] = Dictionary(uniqueKeysWithValues: [
    (CallStatus.ok, "DCS_OK"), (.partial, "DCS_EPARTIAL"), (.invalidArgument, "DCS_EINVAL"),
    (.configuration, "DCS_ECONFIG"), (.transport, "DCS_ETRANSPORT"), (.timeout, "DCS_ETIMEOUT"),
    (.api, "DCS_EAPI"), (.protocolError, "DCS_EPROTOCOL"), (.outOfMemory, "DCS_ENOMEM"),
    (.cancelled, "DCS_ECANCELED"), (.stopped, "DCS_ESTOPPED"),
].map { ($0.0.rawValue, staticCString($0.1)) })
nonisolated(unsafe) private let unknownStatusName = staticCString("DCS_UNKNOWN_STATUS")

nonisolated(unsafe) private let outcomeNames: [Int32: UnsafePointer<CChar>] = Dictionary(uniqueKeysWithValues:
    [InstanceOutcome.success, .failed, .notSent, .unknown].map { ($0.rawValue, staticCString($0.name)) })
nonisolated(unsafe) private let invalidOutcomeName = staticCString("invalid")

@_cdecl("dcs_version")
public func dcs_version() -> UnsafePointer<CChar> {
    versionString
}

@_cdecl("dcs_libcurl_version")
public func dcs_libcurl_version() -> UnsafePointer<CChar> {
    libcurlVersionString
}

@_cdecl("dcs_status_name")
public func dcs_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    statusNames[status] ?? unknownStatusName
}

@_cdecl("dcs_outcome_name")
public func dcs_outcome_name(_ outcome: Int32) -> UnsafePointer<CChar> {
    outcomeNames[outcome] ?? invalidOutcomeName
}
