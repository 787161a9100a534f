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
        discussion:
            "Inputs: --inputs IN.h5 with /images [N, C, H, W] (integers in the model's input range, or reals to quantize) and optional /labels [N], or --dataset. See docs/integer-model.md. With --profile the profile sets the arithmetic (requant, accumulator_bits, accumulator_overflow; the flags override it; several profiles must agree), the model must run on each profile exactly as `cost --model` requires, and it is costed there; the settings used, where each came from, and the widths each profile runs are printed on stderr and in --json."
    )

    @OptionGroup var modelInputs: IntegerModelInputs

    @OptionGroup var profileOptions: ProfileOptions

    @Option(help: "Simulate only the first N images.")
    var limit: Int?

    @OptionGroup var options: SimulationOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let profiles = try profileOptions.load()
        let (arithmetic, config) = try options.resolve(profiles: profiles)
        let model = try modelInputs.readModel()
        // `cost --model`'s own sweep, before simulating: it rejects exactly what cost rejects and
        // gives the widths each profile runs.
        let costs = profiles.isEmpty ? nil : try CostCommand.sweep(models: [modelInputs.model], profiles: profiles)
        Console.writeError("simulate: " + arithmetic.summary + "\n")
        for p in costs?.profiles ?? [] {
            Console.writeError("widths run on \(p.profile.name): \(p.costs[0].executionWidthSummary)\n")
        }
        let set = try modelInputs.source.load(for: model, limit: limit)
        let inputs = modelInputs.source.name
        let line = ProgressLine(enabled: true)
        let report = try SimulationReport.evaluate(
            model: model, modelName: modelInputs.model, inputs: set,
            config: config, progress: simulationProgress(line))
        line.finish("simulated \(report.images) images in " + ProgressLine.duration(report.seconds))
        if json {
            let widths = costs?.profiles.map {
                ProfileWidths(profile: $0.profile.name, file: $0.file, layers: $0.costs[0].executionWidths)
            }
            try printJSON(ReportWithCost(report: report, arithmetic: arithmetic, widthsRun: widths, cost: costs?.json))
            return
        }
        print(
            "model \(report.model): \(report.images) images, requant \(report.requant.rawValue), "
                + "\(report.accumulatorBits)-bit accumulator (\(report.overflow.rawValue))")
        if let accuracy = report.accuracy, let correct = report.correct {
            print(String(format: "top-1 accuracy %.2f%% (%d/%d)", accuracy * 100, correct, report.images))
        } else {
            print("top-1 accuracy: no labels in \(inputs)")
        }
        print(
            String(
                format: "throughput %.1f images/s, %.2f GMAC/s (%.2f s, %d MACs/image)",
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

/// The widths one profile runs the model's MAC layers at.
private struct ProfileWidths: Encodable {
    var profile: String
    var file: String
    var layers: [ExecutionWidth]
}

/// The `simulate --json` object: the report's fields, `arithmetic` (the settings and where each
/// came from), and with profiles `widths_run` (per profile, per MAC layer) and `cost` (the
/// `cost --json` object of the model).
private struct ReportWithCost: Encodable {
    var report: SimulationReport
    var arithmetic: SimulationArithmetic
    var widthsRun: [ProfileWidths]?
    var cost: JSONValue?

    private enum Key: String, CodingKey {
        case arithmetic, cost
        case widthsRun = "widths_run"
    }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(arithmetic, forKey: .arithmetic)
        try c.encodeIfPresent(widthsRun, forKey: .widthsRun)
        try c.encodeIfPresent(cost, forKey: .cost)
    }
}
