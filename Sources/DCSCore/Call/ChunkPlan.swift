/// How the ids of one call are split into requests the service accepts.
public enum ChunkPlan {
    public static let maxIDsPerRequest = 50

    public static func ranges(count: Int, size: Int = maxIDsPerRequest) -> [Range<Int>] {
        stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }
}
