import Foundation

/// Runs a fuzz target over files, as a plain program: each argument is a file or a directory
/// of files (a corpus). Lets the committed corpus and every crash found run as regression tests
/// without libFuzzer.
public enum CorpusReplay {
    public static func run(_ target: ([UInt8]) -> Void) {
        var count = 0
        for argument in CommandLine.arguments.dropFirst() {
            for path in files(at: argument) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    fatalError("cannot read \(path)")
                }
                target(Array(data))
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }

    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            fatalError("no such file or directory: \(path)")
        }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { "\(path)/\($0)" }
    }
}
