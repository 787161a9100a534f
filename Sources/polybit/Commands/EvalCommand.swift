import ArgumentParser

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint at one or more bit-widths. (not built yet)")

    func run() throws { throw NotBuiltYet(command: "eval") }
}
