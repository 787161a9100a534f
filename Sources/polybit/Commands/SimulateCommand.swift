import ArgumentParser

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run an integer model bit-accurately and cost it on a hardware profile. (not built yet)")

    func run() throws { throw NotBuiltYet(command: "simulate") }
}
