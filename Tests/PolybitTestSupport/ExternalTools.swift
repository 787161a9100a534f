import Foundation

/// Helpers shared by test targets that check Polybit's files with independent tools (python3 with
/// h5py/numpy/onnxruntime, gzip, h5dump).

/// A program that exited non-zero; the message carries its standard error.
public struct ExternalToolFailed: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Runs `program args` (found on PATH) and returns its standard output; throws
/// `ExternalToolFailed` with its standard error when it exits non-zero.
@discardableResult
public func runProgram(_ program: String, _ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [program] + args
    let out = Pipe()
    // stderr goes to a file so a chatty program never blocks on a full pipe.
    let errPath = NSTemporaryDirectory() + "polybit-stderr-" + UUID().uuidString
    FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    p.standardOutput = out
    p.standardError = FileHandle(forWritingAtPath: errPath)
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        let err = FileManager.default.contents(atPath: errPath) ?? Data()
        throw ExternalToolFailed(message: "\(program) failed: " + String(decoding: err, as: UTF8.self))
    }
    return String(decoding: data, as: UTF8.self)
}

/// Runs a Python snippet with `args` as `sys.argv[1:]` and returns its standard output.
@discardableResult
public func runPython(_ script: String, _ args: [String] = []) throws -> String {
    try runProgram("python3", ["-c", script] + args)
}

/// A fresh temporary directory for one test.
public func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "polybit-test-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// The repository root (this file is Tests/PolybitTestSupport/ExternalTools.swift).
public let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// Runs `tools/<script>` (e.g. "sim/onnx_check.py") with python3 and returns its standard output.
@discardableResult
public func runTool(_ script: String, _ args: [String]) throws -> String {
    try runProgram("python3", [repositoryRoot + "/tools/" + script] + args)
}
