import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark training, simulation and cost-model speed.",
        subcommands: [
            BenchTrainCommand.self, BenchSimCommand.self, BenchKernelsCommand.self, BenchConvCommand.self,
            BenchCostCommand.self,
        ])
}
