/// An instance as the API describes it: an entry of `GET /v2/{project_id}/instances` and the
/// answer of `GET /v2/{project_id}/instances/{instance_id}`. What the emulator has no real value
/// for (address, domain name, creation time) follows from the instance's place in the fleet, so
/// that it is the same from run to run and distinct per instance.
struct InstanceDescription {
    static let port = 6379
    static let availabilityZone = "cn-north-4a"
    /// 2026-01-01T00:00:00Z; each instance was created a minute after the one before it.
    static let firstCreation = 1_767_225_600

    let view: Fleet.View

    /// `10.a.b.c`, c from 2 to 251: distinct for the first 15 million instances.
    var ip: String {
        let position = view.position
        return "10.\(position / 62_500 % 256).\(position / 250 % 250).\(position % 250 + 2)"
    }

    var domainName: String { "redis-\(view.position + 1).dcs.emulator.internal" }

    var createdAt: String { WallClock.iso8601(Self.firstCreation + 60 * view.position) }

    var json: JSONValue {
        let spec = view.spec
        return .object([
            ("instance_id", .string(spec.id)), ("name", .string(spec.name)),
            ("engine", "Redis"), ("engine_version", .string(spec.engineVersion)),
            ("status", .string(view.status)), ("sub_status", "normal"),
            ("capacity", .number(Double(spec.capacityGB))),
            ("ip", .string(ip)), ("port", .number(Double(Self.port))), ("domain_name", .string(domainName)),
            ("az_codes", [.string(Self.availabilityZone)]),
            ("tags", .array(spec.tags.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })),
            ("created_at", .string(createdAt)),
        ])
    }
}
