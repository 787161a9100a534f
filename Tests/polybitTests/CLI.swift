import Foundation

/// Runs the `polybit` executable built beside this test bundle.
struct CLI {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("polybit")
    }

    /// Runs `polybit args` to completion.
    @discardableResult
    static func run(_ args: [String], directory: String? = nil) throws -> Result {
        try execute(executable, args, directory: directory)
    }

    /// Runs `python3 tools/<script> args` from the repository to completion.
    static func tool(_ script: String, _ args: [String]) throws -> Result {
        try execute(URL(fileURLWithPath: "/usr/bin/env"), ["python3", repository + "/tools/" + script] + args)
    }

    /// Runs `polybit args` as `ranks` MPI processes (`mpirun --oversubscribe`, allowed as root) to
    /// completion.
    static func mpirun(_ ranks: Int, _ args: [String]) throws -> Result {
        try execute(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", executable.path] + args)
    }

    /// Whether Open MPI's `mpirun` is installed (tools/setup.sh installs it).
    static var hasMPI: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun") }

    /// Runs `python3 args` to completion.
    static func python(_ args: [String]) throws -> Result {
        try execute(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + args)
    }

    private static func execute(_ program: URL, _ args: [String], directory: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = program
        p.arguments = args
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // stderr goes to a file so a chatty command never blocks on a full pipe.
        let errPath = NSTemporaryDirectory() + "polybit-stderr-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: errPath)
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return Result(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts `polybit args` without waiting.
    static func start(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The repository root (tests run from it under `swift test`).
    static var repository: String { FileManager.default.currentDirectoryPath }

    static func temporaryDirectory() -> String {
        let dir = NSTemporaryDirectory() + "polybit-cli-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func python(_ script: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
