import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark training or simulation throughput. (not built yet)")

    func run() throws { throw NotBuiltYet(command: "bench") }
}
