import ArgumentParser
import Foundation
import PolybitData
import PolybitHardware
import PolybitSim
import PolybitTensor

extension RequantMode: ExpressibleByArgument {}
extension OverflowMode: ExpressibleByArgument {}

/// Flags shared by `simulate`, `trace` and `bench sim` that choose the integer arithmetic.
struct SimulationOptions: ParsableArguments {
    @Option(help: "Requantization: onnx (float32 scale, round half to even), double (TFLite double rounding), single (TFLite single rounding).")
    var requant: RequantMode = .onnx

    @Option(name: .customLong("accumulator-bits"), help: "Accumulator width in bits (8-64).")
    var accumulatorBits: Int = 32

    @Option(help: "Accumulator overflow: wrap (two's complement) or saturate (at every add: bias first, then c, ky, kx).")
    var overflow: OverflowMode = .wrap

    @Flag(name: .customLong("no-fast-path"), help: "Use the integer kernels even where exact float GEMM would do.")
    var noFastPath = false

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Images per worker step.")
    var batch: Int = 8

    /// The library configuration these flags describe.
    func config() throws -> SimulationConfig {
        let c = SimulationConfig(requant: requant,
                                 accumulator: AccumulatorModel(bits: accumulatorBits, overflow: overflow),
                                 fastPath: !noFastPath, threads: threads ?? Parallel.threads, batch: batch)
        try c.validate()
        return c
    }
}

/// Progress of a simulation on standard error.
func simulationProgress(_ line: ProgressLine) -> (Int, Int) -> Void {
    let start = Clock.seconds()
    return { done, total in
        let rate = Double(done) / max(Clock.seconds() - start, 1e-9)
        line.update("simulate \(done)/\(total) images, \(Int(rate)) images/s, ETA "
                    + ProgressLine.duration(Double(total - done) / max(rate, 1e-9)))
    }
}

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run an integer model bit-accurately: top-1 accuracy, overflow counts per layer, throughput.",
        discussion: "Inputs: --inputs IN.h5 with /images [N, C, H, W] (integers in the model's input range, or reals to quantize) and optional /labels [N], or --dataset. See docs/integer-model.md.")

    @Option(help: "Integer model (HDF5, docs/integer-model.md).")
    var model: String

    @OptionGroup var source: InputSource

    @Option(help: "Hardware profiles (YAML) to cost the model on after simulating; repeatable.")
    var profile: [String] = []

    @Option(help: "Simulate only the first N images.")
    var limit: Int?

    @OptionGroup var options: SimulationOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let config = try options.config()
        let model = try IntegerModel.read(path: self.model)
        let profiles = try profile.map { (file: $0, profile: try ProfileLoader.load(path: $0)) }
        let set = try source.load(for: model, limit: limit)
        let inputs = source.name
        let line = ProgressLine(enabled: true)
        let report = try SimulationReport.evaluate(model: model, modelName: self.model, inputs: set, config: config,
                                                   progress: simulationProgress(line))
        line.finish("simulated \(report.images) images in " + ProgressLine.duration(report.seconds))
        let costs = profiles.isEmpty ? nil : try CostCommand.sweep(models: [self.model], profiles: profiles)
        if json {
            try printJSON(ReportWithCost(report: report, cost: costs?.json))
            return
        }
        print("model \(report.model): \(report.images) images, requant \(report.requant.rawValue), "
              + "\(report.accumulatorBits)-bit accumulator (\(report.overflow.rawValue))")
        if let accuracy = report.accuracy, let correct = report.correct {
            print(String(format: "top-1 accuracy %.2f%% (%d/%d)", accuracy * 100, correct, report.images))
        } else {
            print("top-1 accuracy: no labels in \(inputs)")
        }
        print(String(format: "throughput %.1f images/s, %.2f GMAC/s (%.2f s, %d MACs/image)",
                     report.imagesPerSecond, report.macsPerSecond / 1e9, report.seconds, report.macsPerImage))
        let overflowing = report.layers.filter { $0.overflow.events > 0 }
        if overflowing.isEmpty {
            print("accumulator overflows: none")
        } else {
            print("accumulator overflows (layer: events, outputs affected):")
            for l in overflowing { print("  \(l.name): \(l.overflow.events), \(l.overflow.outputs)") }
        }
        if let costs { print(""); print(costs.table, terminator: "") }
    }
}

/// The `simulate --json` object: the report's fields, plus `cost` (the `cost --json` object of
/// the model) when profiles are given.
private struct ReportWithCost: Encodable {
    var report: SimulationReport
    var cost: JSONValue?

    private enum Key: String, CodingKey { case cost }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        guard let cost else { return }
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(cost, forKey: .cost)
    }
}
