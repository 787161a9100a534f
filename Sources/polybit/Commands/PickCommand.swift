import ArgumentParser

struct PickCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pick",
        abstract: "Pick the best bit-width or per-layer policy for a device budget. (not built yet)")

    func run() throws { throw NotBuiltYet(command: "pick") }
}
