import ArgumentParser
import Foundation
import PolybitHardware
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import PolybitTrain

/// `polybit cost`: what each precision of a network costs on one or more hardware profiles.
struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract:
            "Cost a network at each precision on hardware profiles (BitOPs, memory, DRAM traffic, cycles, latency, energy).",
        discussion: """
            Example: polybit cost --network resnet20 --input 1x28x28 --classes 10 \
            --profile hwprofiles/bitfusion.yaml --bits 2-8
            The stem and classifier run at 8x8 unless --quantize-edges. Assumptions: docs/cost-model.md.
            """)

    @Option(help: "Network: resnet20, resnet32, resnet56.")
    var network: String = "resnet20"

    @OptionGroup var inputShape: InputShapeOption

    @Option(help: "Number of classes.")
    var classes: Int = 10

    @Option(help: "Integer model files (from 'polybit export'), one row each, instead of --network; repeatable.")
    var model: [String] = []

    @OptionGroup var profileOptions: ProfileOptions

    @Option(
        help:
            "Uniform bit-widths b (layers run at b x b), e.g. 2-8 or 2,4,8; each 2-16, or 32 for float (costed as 32-bit operands)."
    )
    var bits: String = "2-8"

    @Option(
        help: "Images per batch: weights fetched once per batch, activations per image; costs per batch and per image.")
    var batch: Int = 1

    @Flag(help: "Run the stem and classifier at the swept width too (default 8x8).")
    var quantizeEdges = false

    @Option(
        help:
            "The residual stream of --network: a width R (stored at max(R, the reader's activation width); train's default is 8), activation (at the reader's activation width) or float (a 24-bit stream, as float-residual checkpoints export)."
    )
    var residual: ResidualPath = TrainingRecipe().residual

    @Flag(help: "Print one JSON object on stdout instead of tables.")
    var json = false

    @Option(help: "Also write per-layer and total costs as CSV to this file.")
    var csv: String?

    @Flag(help: "Print the time spent costing on stderr.")
    var timing = false

    @Option(
        help: ArgumentHelp(
            "Cost at each value of one field of the (single) --profile: FIELD=v1,v2,...",
            discussion:
                "FIELD: compute.array.size (square array), compute.array.rows, compute.array.cols, memory.<NAME>.size_KiB, memory.<NAME>.bandwidth_bits_per_cycle, dram.bandwidth_GBps or clock_MHz. The table shows, per value and width, latency and energy against the widest width."
        ))
    var vary: String?

    @Option(help: "With --vary: also write the latency chart (one line per width) as SVG to this file.")
    var svg: String?

    func run() throws {
        guard !profileOptions.profile.isEmpty else {
            throw InputError("--profile: at least one hardware profile is required (see hwprofiles/)")
        }
        guard classes > 0 else { throw InputError("--classes: expected a positive integer, found \(classes)") }
        guard batch > 0 else { throw InputError("--batch: expected a positive integer, found \(batch)") }
        let start = Clock.seconds()
        let profiles = try profileOptions.load()
        if let vary { return try runVariation(try ProfileVariation(parsing: vary), profiles: profiles) }
        guard svg == nil else { throw InputError("--svg: only with --vary (the chart is of the varied field)") }
        let sweep = try costSweep(profiles: profiles)
        let elapsed = Clock.seconds() - start
        if let csv { try Self.writeAtomically(sweep.csv, to: csv, flag: "--csv") }
        if json {
            print(sweep.json.text)
        } else {
            print(sweep.table, terminator: "")
        }
        if timing {
            let msg = String(
                format: "cost: %d precisions x %d profiles in %.1f ms (profiles loaded and costed)\n",
                sweep.bits.count, profiles.count, elapsed * 1e3)
            Console.writeError(msg)
        }
    }

    /// `--vary`: the precision sweep on the one profile at each value of the field.
    private func runVariation(
        _ variation: ProfileVariation, profiles: [(file: String, profile: HardwareProfile)]
    ) throws {
        guard profiles.count == 1 else {
            throw InputError("--vary: give exactly one --profile (found \(profiles.count))")
        }
        guard csv == nil else { throw InputError("--csv: not with --vary (use --json for every value's costs)") }
        let sweep = try VariationSweep(variation: variation, file: profiles[0].file, profile: profiles[0].profile) {
            try costSweep(profiles: [(profiles[0].file, $0)])
        }
        if let svg { try Self.writeAtomically(sweep.latencySVG, to: svg, flag: "--svg") }
        print(json ? sweep.json.text : sweep.table, terminator: json ? "\n" : "")
    }

    /// The precision sweep of `--model` files or of `--network` on `profiles`.
    private func costSweep(profiles: [(file: String, profile: HardwareProfile)]) throws -> CostSweep {
        if !model.isEmpty {
            return try Self.sweep(models: model, profiles: profiles, batch: batch)
        } else {
            let shape = try inputShape.shape()
            let topology: ResNetTopology
            do {
                topology = try ResNetTopology(name: network, inputChannels: shape.channels, classes: classes)
            } catch let e as InputError {
                throw InputError("--network: \(e.message)")
            }
            let widths = try BitWidthSet(parsing: bits, flag: "--bits").operandWidths
            let edge: Int? = quantizeEdges ? nil : 8
            return try CostSweep(
                networkName: topology.name, input: shape, classes: classes, edgeBits: edge,
                bits: widths, profiles: profiles, batch: batch
            ) {
                try ResNetIntegerPlan(
                    topology: topology, inputShape: [shape.channels, shape.height, shape.width], residual: residual,
                    precision: $0, edgeBits: edge
                ).workloads()
            }
        }
    }

    /// One row per integer model file, labelled by its nominal weight bit-width (which must differ).
    static func sweep(
        models: [String], profiles: [(file: String, profile: HardwareProfile)], batch: Int = 1
    ) throws -> CostSweep {
        let loaded = try models.map { path in (path, try IntegerModel.read(path: path)) }
        var byBits: [Int: [LayerWorkload]] = [:]
        for (path, m) in loaded {
            let b = m.nominalWeightBits
            guard byBits[b] == nil else {
                throw InputError(
                    "--model \(path): another model given also runs at \(b) bits; give one model per bit-width")
            }
            byBits[b] = try m.workloads(file: path)
        }
        let first = loaded[0].1
        let classes = first.layers.last.flatMap { try? first.shapes()[$0.name]?.reduce(1, *) } ?? 0
        return try CostSweep(
            networkName: models.count == 1 ? models[0] : "integer models",
            input: TensorShape(
                channels: first.inputShape[0], height: first.inputShape[1],
                width: first.inputShape[2]),
            classes: classes, edgeBits: nil, bits: byBits.keys.sorted(), profiles: profiles, batch: batch
        ) {
            byBits[$0.weightOperandBits]!
        }
    }

    /// Writes via a temporary file and a rename, so a failed write leaves no partial file; errors
    /// name `flag`.
    static func writeAtomically(_ text: String, to path: String, flag: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) else {
            throw InputError("\(flag) \(path): cannot write the file")
        }
        if rename(tmp, path) != 0 {
            try? FileManager.default.removeItem(atPath: tmp)
            throw InputError("\(flag) \(path): cannot write the file")
        }
    }
}
