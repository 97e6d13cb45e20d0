import DCSAPI

/// An instance as configured at start (and restored by `POST /_emulator/reset`).
struct InstanceSpec: Sendable {
    /// The statuses the API reference lists, the ones an instance can be given.
    static let statuses = InstanceStatus.allCases.filter { $0 != .other }.map(\.serviceName)

    let id: String
    let name: String
    let engineVersion: String
    let status: String
    /// How long this instance stays RESTARTING after a restart; nil: the fleet's default.
    var restartSeconds: Double? = nil
    /// Sorted by key, as the listing shows them.
    var tags: [InstanceTag] = []
    /// Once acted on (restarted or flushed), it stays RESTARTING or FLUSHING for good: the
    /// instance that never comes back, for testing a health gate.
    var neverReturns = false
    var capacityGB = 1

    /// Only Redis 4.0 and later can be flushed; a version that does not parse cannot either.
    var canBeFlushed: Bool {
        let parts = engineVersion.split(separator: ".").map { Int($0) }
        guard let major = parts.first ?? nil, parts.allSatisfy({ $0 != nil }) else { return false }
        return major >= 4
    }

    static let defaultFleet: [InstanceSpec] = [
        InstanceSpec(id: "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", name: "cache-a", engineVersion: "6.0", status: "RUNNING",
                     tags: InstanceTag.sorted(["role": "session-cache", "env": "prod"]), capacityGB: 4),
        InstanceSpec(id: "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c", name: "cache-b", engineVersion: "5.0", status: "RUNNING",
                     tags: InstanceTag.sorted(["role": "session-cache", "env": "test"]), capacityGB: 2),
        InstanceSpec(id: "9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a", name: "cache-c", engineVersion: "4.0", status: "RUNNING",
                     tags: InstanceTag.sorted(["role": "queue", "env": "prod"]), capacityGB: 2),
        InstanceSpec(id: "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f", name: "cache-d", engineVersion: "3.0", status: "RUNNING",
                     tags: InstanceTag.sorted(["role": "queue"]), capacityGB: 1),
        InstanceSpec(id: "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", name: "cache-e", engineVersion: "5.0", status: "FROZEN",
                     tags: InstanceTag.sorted(["role": "session-cache", "env": "prod"]), capacityGB: 8),
    ]

    /// How `--generated-instances` names and tags its instances, for `--help` and the README.
    static let generatedRule = """
        instance N (from 1) has id emu-NNNN and name generated-NNNN (N with at least 4 digits), tags \
        role=session-cache when N is a multiple of 3 (else role=queue) and env=prod when N is odd \
        (else env=test)
        """

    /// `emu-0001` ... `emu-N`: RUNNING Redis 5.0 instances of 1 GB, named and tagged by `generatedRule`.
    static func generated(_ count: Int) -> [InstanceSpec] {
        (0..<max(count, 0)).map { index in
            let ordinal = index + 1
            let digits = String(ordinal)
            let number = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            let tags = InstanceTag.sorted(["role": ordinal % 3 == 0 ? "session-cache" : "queue",
                                           "env": ordinal % 2 == 1 ? "prod" : "test"])
            return InstanceSpec(id: "emu-\(number)", name: "generated-\(number)", engineVersion: "5.0", status: "RUNNING",
                                tags: tags)
        }
    }

    /// A fleet file: a JSON array of `{"id","engine_version","status"}` with an optional `"name"`
    /// (default: the id), an optional `"restart_seconds"` (default: `--restart-seconds`), optional
    /// `"tags"` (an object of string values) and an optional `"never_returns"` (default false).
    static func parseFleetFile(_ bytes: [UInt8]) throws(FleetFileError) -> [InstanceSpec] {
        guard let document = JSONValue.parse(bytes) else { throw FleetFileError("not JSON") }
        guard case .array(let entries) = document else { throw FleetFileError("not a JSON array") }
        return try entries.enumerated().map { (index, entry) throws(FleetFileError) in
            guard let id = entry["id"]?.stringValue, let version = entry["engine_version"]?.stringValue,
                  let status = entry["status"]?.stringValue else {
                throw FleetFileError("entry \(index) needs string fields id, engine_version and status")
            }
            let name: String
            switch entry["name"] {
            case nil, .null?: name = id
            case .string(let given)?: name = given
            default: throw FleetFileError("entry \(index): name must be a string")
            }
            let restartSeconds: Double?
            switch entry["restart_seconds"] {
            case nil, .null?: restartSeconds = nil
            case .number(let seconds)? where seconds >= 0 && seconds <= 86_400:
                restartSeconds = seconds
            default: throw FleetFileError("entry \(index): restart_seconds must be a number in 0...86400")
            }
            var tags: [String: String] = [:]
            switch entry["tags"] {
            case nil, .null?: break
            case .object(let members)?:
                for (key, value) in members {
                    guard let text = value.stringValue, !key.isEmpty else {
                        throw FleetFileError("entry \(index): tags must map non-empty keys to strings")
                    }
                    tags[key] = text
                }
            default: throw FleetFileError("entry \(index): tags must be an object of strings")
            }
            let neverReturns: Bool
            switch entry["never_returns"] {
            case nil, .null?: neverReturns = false
            case .bool(let flag)?: neverReturns = flag
            default: throw FleetFileError("entry \(index): never_returns must be true or false")
            }
            return InstanceSpec(id: id, name: name, engineVersion: version, status: status,
                                restartSeconds: restartSeconds, tags: InstanceTag.sorted(tags),
                                neverReturns: neverReturns)
        }
    }
}

struct FleetFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A `key=value` label of an instance, as the listing shows and filters them.
struct InstanceTag: Sendable, Equatable {
    let key: String
    let value: String

    /// One tag per key, sorted by key (byte order), so that every view lists them alike.
    static func sorted(_ tags: [String: String]) -> [InstanceTag] {
        tags.map { InstanceTag(key: $0.key, value: $0.value) }.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
}
