import DCSCore

/// The object behind `dcs_error *`.
final class ErrorBox {
    let status: CallStatus
    let httpStatus: Int
    let code: OwnedCString
    let message: OwnedCString
    let requestID: OwnedCString

    init?(_ failure: CallFailure) {
        guard let code = OwnedCString(failure.code), let message = OwnedCString(failure.message),
              let requestID = OwnedCString(failure.requestID) else { return nil }
        status = failure.status
        httpStatus = failure.httpStatus
        self.code = code
        self.message = message
        self.requestID = requestID
    }
}

nonisolated(unsafe) private let noErrorMessage = staticCString("no error")

private func borrowError(_ err: OpaquePointer?) -> ErrorBox? {
    err.map { Unmanaged<ErrorBox>.borrow($0) }
}

@_cdecl("dcs_error_status")
public func dcs_error_status(_ err: OpaquePointer?) -> Int32 {
    borrowError(err)?.status.rawValue ?? CallStatus.ok.rawValue
}

@_cdecl("dcs_error_http_status")
public func dcs_error_http_status(_ err: OpaquePointer?) -> Int32 {
    Int32(clamping: borrowError(err)?.httpStatus ?? 0)
}

@_cdecl("dcs_error_code")
public func dcs_error_code(_ err: OpaquePointer?) -> UnsafePointer<CChar> {
    borrowError(err)?.code.borrowed ?? emptyCString
}

@_cdecl("dcs_error_message")
public func dcs_error_message(_ err: OpaquePointer?) -> UnsafePointer<CChar> {
    borrowError(err)?.message.borrowed ?? noErrorMessage
}

@_cdecl("dcs_error_request_id")
public func dcs_error_request_id(_ err: OpaquePointer?) -> UnsafePointer<CChar> {
    borrowError(err)?.requestID.borrowed ?? emptyCString
}

@_cdecl("dcs_error_free")
public func dcs_error_free(_ err: OpaquePointer?) {
    guard let err else { return }
    Unmanaged<ErrorBox>.release(err)
}
