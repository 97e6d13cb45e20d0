/// The `action` of `PUT /v2/{project_id}/instances/status`.
public enum InstanceAction: String, Sendable, CaseIterable {
    case restart
    case softRestart = "soft_restart"
    case flush
}
