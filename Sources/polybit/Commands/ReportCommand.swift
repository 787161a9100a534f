import ArgumentParser
import Foundation
import PolybitData
import PolybitHardware
import PolybitNN
import PolybitSearch
import PolybitSim
import PolybitTensor
import PolybitTrain

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Write a Markdown report with SVG plots of energy, latency and memory against accuracy per precision and profile.",
        discussion: """
            Accuracy per bit-width comes from the run's last evaluated epoch (RUN/log.jsonl). Costs come from \
            the run's exported integer models RUN/int<b>.h5 when there are any (what 'polybit export' and \
            tools/demo.sh write), otherwise from the analytic network of the checkpoint's recipe.
            """)

    @Option(name: .customLong("run"), help: "Run folder of a multi-bit 'polybit train'.") var runDirectory: String
    @Option(help: "Hardware profiles; repeatable.")
    var profile: [String] = ["hwprofiles/bitfusion.yaml", "hwprofiles/ethos-u55-128.yaml", "hwprofiles/eyeriss.yaml"]
    @Option(help: "Report folder (report.md, energy.svg, latency.svg, memory.svg).") var out: String
    @Option(help: "A pick report ('polybit pick --out-report') to set beside the cost of its export (--pick-model).")
    var pick: String?
    @Option(help: "The integer model 'polybit export --policy' wrote for --pick.") var pickModel: String?

    func validate() throws {
        guard (pick == nil) == (pickModel == nil) else {
            throw ValidationError("--pick and --pick-model go together: the pick report and the export of its policy")
        }
    }

    func run() throws {
        let ckpt = try Checkpoint.read(from: runDirectory + "/checkpoint.h5")
        guard let last = try TrainingLog(runDirectory: runDirectory).records().prefix(ckpt.epochsCompleted).last,
            let byPrecision = last.test_accuracy_by_precision
        else {
            throw InputError(
                "\(runDirectory)/log.jsonl: no multi-bit evaluation; report needs a run trained with --bits")
        }
        var accuracy: [Int: Double] = [:]
        for (key, value) in byPrecision {
            if key.hasSuffix("-bit"), let b = Int(key.dropLast(4)) { accuracy[b] = value }
        }
        let profiles = try ProfileOptions.load(profile)
        let exported = accuracy.keys.sorted().map { "\(runDirectory)/int\($0).h5" }.filter {
            FileManager.default.fileExists(atPath: $0)
        }
        let sweep: CostSweep
        let source: String
        if !exported.isEmpty {
            sweep = try CostCommand.sweep(models: exported, profiles: profiles)
            source =
                "costs of the exported integer models (\(exported.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")))"
        } else {
            let data = try DatasetCatalog.load(name: ckpt.recipe.dataset, dataDir: ckpt.recipe.dataDir, limit: 1).test
            let topology = try ResNetTopology(
                name: ckpt.recipe.model.description, width: ckpt.recipe.width, inputChannels: data.channels,
                classes: data.classes)
            let shape = TensorShape(channels: data.channels, height: data.height, width: data.width)
            let residual = ckpt.recipe.residual
            sweep = try CostSweep(
                networkName: topology.name, input: shape, classes: data.classes, edgeBits: 8,
                bits: accuracy.keys.sorted(), profiles: profiles
            ) {
                try ResNetIntegerPlan(
                    topology: topology, inputShape: [data.channels, data.height, data.width], residual: residual,
                    precision: $0
                ).workloads()
            }
            source =
                "costs of the integer plan of \(topology.name) with the \(residual) residual path (what export writes at each width)"
        }
        let r = ckpt.recipe
        var report = PrecisionReport(
            title: "Polybit report: \(runDirectory)", accuracy: accuracy, sweep: sweep,
            notes: [
                "model \(r.model) on \(r.dataset)\(r.limit.map { " (first \($0) images)" } ?? ""), trained bits \(r.bits?.description ?? "-"), "
                    + "\(ckpt.epochsCompleted) epochs, bias correction \(r.quantizer.biasCorrection.rawValue)",
                "accuracy: test split after epoch \(last.epoch) (RUN/log.jsonl), no fine-tuning at any width",
                source,
            ])
        if let pick, let pickModel {
            report.sections.append(try Self.deploymentSection(pick: pick, model: pickModel, profiles: profiles))
        }
        try report.write(to: out)
        print(
            "wrote \(out)/report.md with energy.svg, latency.svg, memory.svg (\(accuracy.count) precisions x \(profiles.count) profiles)"
        )
    }

    /// The pick report's final pick beside `cost --model` of its export, on the report's profiles.
    static func deploymentSection(
        pick: String, model: String, profiles: [(file: String, profile: HardwareProfile)]
    ) throws -> String {
        guard let data = FileManager.default.contents(atPath: pick) else {
            throw InputError("--pick \(pick): cannot read the file")
        }
        let report: PickReport
        do {
            report = try JSONDecoder().decode(PickReport.self, from: data)
        } catch {
            throw InputError("--pick \(pick): not a pick report ('polybit pick --out-report' writes one)")
        }
        let layers = try IntegerModel.read(path: model).workloads(file: model)
        var exported: [String: NetworkCost] = [:]
        for (_, p) in profiles { exported[p.name] = try CostModel(profile: p).cost(layers) }
        return report.deploymentSection(exported: exported, modelFile: model)
    }
}
