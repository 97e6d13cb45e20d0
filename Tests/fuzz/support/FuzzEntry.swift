import CFuzzDriver
import Foundation

/// What both fuzz targets do in `main`: hand their callback to libFuzzer when built for fuzzing
/// (-sanitize=fuzzer -D DCS_FUZZ, scripts/fuzz.sh); otherwise replay the files and directories
/// given as arguments, so that the committed corpus and every crash found run as regression tests.
public enum FuzzEntry {
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    public static func main(callback: Callback, target: ([UInt8]) -> Void) -> Never {
        #if DCS_FUZZ
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
        #else
        replay(target)
        exit(0)
        #endif
    }

    /// The input libFuzzer hands the callback.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

    static func replay(_ target: ([UInt8]) -> Void) {
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
