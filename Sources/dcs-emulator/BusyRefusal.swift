/// The 400 refusals that say "another operation is under way, try later" (nothing was done), as
/// the `busy` fault gives them: the codes Terraform's huaweicloud provider retries for DCS, each
/// with the operation it names.
enum BusyRefusal {
    static let defaultCode = "DCS.4111"

    static let operations: [(code: String, operation: String)] = [
        ("DCS.4026", "The current state of the instance does not allow this operation."),
        ("DCS.4049", "The instance is not running."),
        ("DCS.4096", "The instance is being backed up."),
        ("DCS.4097", "The instance is being restored."),
        ("DCS.4111", "The instance is restarting."),
        ("DCS.4113", "The instance is being resized."),
        ("DCS.4114", "The configuration of the instance is being changed."),
        ("DCS.4115", "The password of the instance is being changed."),
        ("DCS.4116", "The instance is being upgraded."),
        ("DCS.4117", "The instance is being rolled back."),
        ("DCS.4118", "The instance is being created."),
        ("DCS.4120", "The instance is being frozen."),
        ("DCS.4121", "The password of the instance is being reset."),
        ("DCS.4975", "The instance is being created or restarted."),
        ("CBC.99003651", "Another operation is being performed on the order."),
    ]

    /// A code the fault may carry: a table code or any other of the service's shapes (`DCS.4017`,
    /// `111400017`), so that a test can also check that a code is *not* taken for busy.
    static func isAcceptable(_ code: String) -> Bool {
        (1...16).contains(code.utf8.count) && code.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
        }
    }

    static func message(for code: String) -> String {
        let operation = operations.first { $0.code == code }?.operation ?? "Another operation is under way."
        return "\(operation) Try again later. (injected fault)"
    }
}
