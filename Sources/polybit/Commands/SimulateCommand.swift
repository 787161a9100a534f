import ArgumentParser
import Foundation
import PolybitData
import PolybitHardware
import PolybitSim
import PolybitTensor

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run an integer model bit-accurately: top-1 accuracy, overflow counts per layer, throughput.",
        discussion: "Inputs: --inputs IN.h5 with /images [N, C, H, W] (integers in the model's input range, or reals to quantize) and optional /labels [N], or --dataset. See docs/integer-model.md. With --profile the model is also costed on each profile after simulating.")

    @OptionGroup var modelInputs: IntegerModelInputs

    @OptionGroup var profileOptions: ProfileOptions

    @Option(help: "Simulate only the first N images.")
    var limit: Int?

    @OptionGroup var options: SimulationOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let config = try options.config()
        let model = try modelInputs.readModel()
        let profiles = try profileOptions.load()
        let set = try modelInputs.source.load(for: model, limit: limit)
        let inputs = modelInputs.source.name
        let line = ProgressLine(enabled: true)
        let report = try SimulationReport.evaluate(model: model, modelName: modelInputs.model, inputs: set,
                                                   config: config, progress: simulationProgress(line))
        line.finish("simulated \(report.images) images in " + ProgressLine.duration(report.seconds))
        let costs = profiles.isEmpty ? nil : try CostCommand.sweep(models: [modelInputs.model], profiles: profiles)
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
