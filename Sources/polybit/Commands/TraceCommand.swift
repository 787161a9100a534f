import ArgumentParser

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Write per-layer integer traces (HDF5) for hardware teams. (not built yet)")

    func run() throws { throw NotBuiltYet(command: "trace") }
}
