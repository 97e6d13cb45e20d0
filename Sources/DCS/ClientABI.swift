import DCSCore

/// The object behind `dcs_client *`.
final class ClientBox {
    let client: StatusClient
    init(_ client: StatusClient) { self.client = client }
}

@_cdecl("dcs_client_new")
public func dcs_client_new(_ cfg: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                           _ err: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    out?.pointee = nil
    guard let out else { return finish(ArgumentError("out is NULL"), err) }
    guard let cfg else { return finish(ArgumentError("cfg is NULL"), err) }
    let configuration: ClientConfiguration
    do throws(ConfigurationError) {
        configuration = try Unmanaged<ConfigBox>.borrow(cfg).settings.resolved()
    } catch {
        return finish(.configuration(error.message), err)
    }
    out.pointee = Unmanaged.handOut(ClientBox(StatusClient(configuration: configuration)))
    return finish(.ok, nil, err)
}

@_cdecl("dcs_client_free")
public func dcs_client_free(_ client: OpaquePointer?) {
    guard let client else { return }
    Unmanaged<ClientBox>.release(client)
}
