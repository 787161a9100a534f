import ArgumentParser

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run the training-cost experiment (dedicated vs multi-bit vs coreset). (not built yet)")

    func run() throws { throw NotBuiltYet(command: "experiment") }
}
