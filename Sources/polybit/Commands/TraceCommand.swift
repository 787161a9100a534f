import ArgumentParser
import Foundation
import PolybitData
import PolybitSim
import PolybitTensor

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Write per-layer integer traces (HDF5) for hardware teams.",
        discussion:
            "For the first --samples images: each layer's integer input, weights, bias, accumulator (before requantization), requantization parameters and output, with bits/signed/scale/zero_point/shape_order attributes. Readable with h5py or h5dump."
    )

    @OptionGroup var modelInputs: IntegerModelInputs

    @Option(help: "Number of images to trace.")
    var samples: Int = 1

    @Option(help: "Comma-separated layer names (default: all layers).")
    var layers: String?

    @Option(help: "Output trace file (HDF5, written atomically).")
    var out: String

    @OptionGroup var options: SimulationOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    struct Summary: Encodable {
        let trace: String
        let samples: Int
        let layers: [String]
        let seconds: Double
    }

    func run() throws {
        guard samples >= 1 else { throw InputError("--samples: expected at least 1, got \(samples)") }
        let config = try options.config()
        let model = try modelInputs.readModel()
        var wanted: Set<String>? = nil
        if let layers {
            let names = layers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let known = Set(model.layers.map(\.name))
            if let bad = names.first(where: { !known.contains($0) }) {
                throw InputError(
                    "--layers: no layer '\(bad)' in \(modelInputs.model) (layers: \(model.layers.map(\.name).joined(separator: ", ")))"
                )
            }
            wanted = Set(names)
        }
        let set = try modelInputs.source.load(for: model, limit: samples)
        guard set.count > 0 else { throw InputError("\(modelInputs.source.name): no images") }
        let sim = try IntegerSimulator(model: model, config: config)
        let (result, traces) = sim.trace(images: set.images, count: set.count, layers: wanted)
        try TraceWriter.write(traces, simulator: sim, modelPath: modelInputs.model, labels: set.labels, to: out)
        let summary = Summary(trace: out, samples: set.count, layers: traces.map(\.layer.name), seconds: result.seconds)
        if json { try printJSON(summary); return }
        print("wrote \(out): \(set.count) sample(s), \(traces.count) layer(s)")
    }
}
