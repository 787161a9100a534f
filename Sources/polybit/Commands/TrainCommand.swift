import ArgumentParser

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network (float, multi-bit or dedicated per bit-width). (not built yet)")

    func run() throws { throw NotBuiltYet(command: "train") }
}
