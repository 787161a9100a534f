import ArgumentParser

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a checkpoint at a bit-width or per-layer policy as an integer model (HDF5). (not built yet)")

    func run() throws { throw NotBuiltYet(command: "export") }
}
