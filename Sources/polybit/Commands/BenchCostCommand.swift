import ArgumentParser
import Foundation
import PolybitHardware
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import PolybitTrain

/// `polybit bench cost`: how long the cost model takes to cost a network at several widths on
/// every profile given (the library call `pick` makes per assignment, without loading files).
struct BenchCostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Time the cost model: ResNet-20 at 7 widths on every shipped profile (profiles loaded once).")

    @Option(help: "Hardware profiles. [default: every hwprofiles/*.yaml]") var profile: [String] = []
    @Option(help: "Network: resnet20, resnet32, resnet56.") var network = "resnet20"
    @OptionGroup var inputShape: InputShapeOption
    @Option(help: "Bit-widths, as in cost --bits.") var bits = "2-8"
    @Option(help: "Timed repetitions (after one warm-up).") var repeats = 20

    func run() throws {
        guard repeats > 0 else { throw InputError("--repeats: expected a positive integer, found \(repeats)") }
        let paths = try profile.isEmpty ? Self.shippedProfiles() : profile
        let profiles = try ProfileOptions.load(paths)
        let shape = try inputShape.shape()
        let topology = try ResNetTopology(name: network, inputChannels: shape.channels, classes: 10)
        let widths = try BitWidthSet(parsing: bits, flag: "--bits").operandWidths
        func costAll() throws -> CostSweep {
            try CostSweep(
                networkName: topology.name, input: shape, classes: 10, edgeBits: 8, bits: widths, profiles: profiles
            ) {
                try ResNetIntegerPlan(
                    topology: topology, inputShape: [shape.channels, shape.height, shape.width],
                    residual: TrainingRecipe().residual, precision: $0, edgeBits: 8
                ).workloads()
            }
        }
        _ = try costAll()
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = Clock.seconds()
            _ = try costAll()
            times.append(Clock.seconds() - t0)
        }
        times.sort()
        print(
            String(
                format:
                    "bench cost: %@ %@ at %d widths on %d profiles: median %.1f ms, min %.1f ms, max %.1f ms (%d runs; target < 100 ms)",
                topology.name, shape.description, widths.count, profiles.count, 1e3 * times[times.count / 2],
                1e3 * times[0], 1e3 * times[times.count - 1], repeats))
    }

    /// Every `*.yaml` in hwprofiles/ of the working directory (the repository root).
    static func shippedProfiles() throws -> [String] {
        let dir = FileManager.default.currentDirectoryPath + "/hwprofiles"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            throw InputError("--profile: no hwprofiles/ here (run from the repository root or name profiles)")
        }
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "hwprofiles/" + $0 }
    }
}
