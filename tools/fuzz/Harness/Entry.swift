import Foundation
import PolybitFuzzReaders

/// libFuzzer's entry point: one input, given to the reader named by `POLYBIT_FUZZ_READER`
/// (tools/fuzz.sh sets it; libFuzzer owns the command line). A reader may throw, that is the
/// expected outcome for bad input; a crash, a hang or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    FuzzTarget.selected.run(data)
    return 0
}

/// Before the first input: with `POLYBIT_FUZZ_SEEDS=dir`, writes the generated seed files (the
/// HDF5 readers' valid files) into `dir` and exits; otherwise arranges for the scratch input
/// file to be removed at exit.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<Int32>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> Int32 {
    if let dir = ProcessInfo.processInfo.environment["POLYBIT_FUZZ_SEEDS"] {
        do {
            try Seeds.write(to: dir)
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("seed generation failed: \(error)\n".utf8))
            exit(1)
        }
    }
    _ = FuzzTarget.selected
    atexit {
        for ext in ["idx", "bin", "h5"] { unlink(FuzzTarget.selected.scratchFile(ext)) }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The program's entry point: SwiftPM links an executable target's `main` to `<module>_main`, so
/// this hands the command line to libFuzzer's driver.
@_cdecl("polybit_fuzz_main")
public func polybitFuzzMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    var count = argc
    var args = argv
    return runFuzzerDriver(&count, &args) { fuzzOneInput($0, $1) }
}
