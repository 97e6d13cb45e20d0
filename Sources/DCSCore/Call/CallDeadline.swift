/// The end of a whole call, when the caller gave one.
struct CallDeadline: Sendable {
    let milliseconds: UInt32
    private let end: ContinuousClock.Instant?

    init(milliseconds: UInt32) {
        self.milliseconds = milliseconds
        end = milliseconds == 0 ? nil : .now + .milliseconds(Int(milliseconds))
    }

    /// Milliseconds left, nil without a deadline.
    func remainingMs() -> Int? {
        guard let end else { return nil }
        return ContinuousClock.now.duration(to: end).milliseconds
    }

    var hasPassed: Bool { remainingMs().map { $0 <= 0 } ?? false }
}
