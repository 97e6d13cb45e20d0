/// The `action` of `PUT /v2/{project_id}/instances/status`, as the client sends it and the
/// emulator reads it.
public enum InstanceAction: String, Sendable, CaseIterable {
    case restart
    case softRestart = "soft_restart"
    case flush
}
