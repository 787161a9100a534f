import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark training or simulation throughput.",
        subcommands: [BenchTrainCommand.self, BenchSimCommand.self, BenchKernelsCommand.self, BenchConvCommand.self])
}
