import ArgumentParser

struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Cost an integer model on a hardware profile (BitOPs, energy, memory, latency). (not built yet)")

    func run() throws { throw NotBuiltYet(command: "cost") }
}
