import DCSCore

// `dcs_cancel *` is a CancelToken handed out retained.

@_cdecl("dcs_cancel_new")
public func dcs_cancel_new() -> OpaquePointer? {
    Unmanaged.handOut(CancelToken())
}

@_cdecl("dcs_cancel_trigger")
public func dcs_cancel_trigger(_ cancel: OpaquePointer?) {
    guard let cancel else { return }
    Unmanaged<CancelToken>.borrow(cancel).trigger()
}

@_cdecl("dcs_cancel_is_triggered")
public func dcs_cancel_is_triggered(_ cancel: OpaquePointer?) -> Int32 {
    guard let cancel else { return 0 }
    return Unmanaged<CancelToken>.borrow(cancel).isTriggered ? 1 : 0
}

@_cdecl("dcs_cancel_free")
public func dcs_cancel_free(_ cancel: OpaquePointer?) {
    guard let cancel else { return }
    Unmanaged<CancelToken>.release(cancel)
}
