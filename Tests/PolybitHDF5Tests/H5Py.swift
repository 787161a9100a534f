import Foundation

/// Runs a Python snippet (with h5py) and returns its standard output; fails the caller's test
/// through a thrown error if Python exits non-zero. Independent readers keep Polybit's files honest.
func runPython(_ script: String, _ args: [String] = []) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw PythonFailed(message: String(decoding: errData, as: UTF8.self))
    }
    return String(decoding: data, as: UTF8.self)
}

struct PythonFailed: Error, CustomStringConvertible {
    let message: String
    var description: String { "python3 failed: \(message)" }
}

/// A fresh temporary directory for one test.
func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "polybit-test-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
