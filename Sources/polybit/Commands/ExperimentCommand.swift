import ArgumentParser
import Foundation
import PolybitData
import PolybitHardware
import PolybitQuant
import PolybitTensor
import PolybitTrain

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Experiments that produce the README's figures.",
        subcommands: [CostExperimentCommand.self])
}

/// `polybit experiment cost`: dedicated vs multi-bit (full data, bit-wise coreset, random subsets).
struct CostExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Training cost: dedicated models per bit-width vs one multi-bit model on full data, bit-wise coresets and random subsets.",
        discussion: """
            Writes DIR/experiment.md, DIR/experiment.csv and DIR/accuracy.svg, and each arm's run folder; \
            rerunning resumes; --arm trains single arms (e.g. one per process). --quick: ResNet-8, 2000 Fashion-MNIST images, 3 epochs, bit-widths {2,4,8} \
            (minutes). Default: ResNet-20, all of Fashion-MNIST, 15 epochs, trained {2,4,8}, deployed 2-8 (hours).
            """)

    @Flag(help: "The small size, for tests and demos.") var quick = false
    @Option(help: "Model. [default: resnet20, resnet8 with --quick]") var model: String?
    @Option(help: "Dataset. [default: fashion-mnist]") var dataset = "fashion-mnist"
    @Option(help: "Where the dataset's files are.") var dataDir: String?
    @Option(help: "Training images. [default: all, 2000 with --quick]") var limit: Int?
    @Option(help: "Epochs of every arm. [default: 15, 3 with --quick]") var epochs: Int?
    @Option(help: "Trained bit-widths of the multi-bit arms. [default: 2,4,8]") var bits = "2,4,8"
    @Option(help: "Deployed bit-widths (one dedicated model each). [default: 2-8, 2,4,8 with --quick]") var deployBits: String?
    @Option(help: "Coreset fraction kept per bit-width.") var coreset = 0.2
    @Option(help: "Redraw every R epochs.") var redraw = 2
    @Option(help: "Coreset selection of the bit-wise coreset arm: top or stratified (see train --help).")
    var coresetSelection = "stratified"
    @Option(help: "Share of each class's highest scores the stratified selection drops (see train --help). [default: 0.1]")
    var coresetHardCut: Double?
    @Option(help: "Candidate pool of the bit-wise coreset arm, as a multiple of the subset size (see train --help). [default: score every image]")
    var coresetPool: Double?
    @Option(help: "Results folder.") var out = "runs/experiment-cost"
    @Option(help: "Threads.") var threads = System.activeProcessorCount
    @Option(help: "Train only this arm (repeatable): dedicated-<b>bit, multibit-full, multibit-coreset or multibit-random. Arms can then run in parallel processes; run without --arm to write the report.")
    var arm: [String] = []
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Encodable { var arms: [CostExperiment.Arm]; var deployed_bits: [Int]; var directory: String }

    func run() throws {
        Compute.configure(threads: threads)
        var r = TrainingRecipe()
        r.model = model ?? (quick ? "resnet8" : "resnet20")
        r.dataset = dataset; r.dataDir = dataDir
        r.limit = limit ?? (quick ? 2000 : nil)
        r.epochs = epochs ?? (quick ? 3 : 15)
        r.bits = bits
        r.deployBits = deployBits ?? (quick ? "2,4,8" : "2-8")
        var c = CoresetConfig(fraction: coreset)
        c.redrawEpochs = redraw
        c.selection = try CoresetSelection.Rule(flag: coresetSelection)
        c.candidatePool = coresetPool
        if let coresetHardCut { try c.setHardCut(coresetHardCut) }
        r.coreset = c
        try r.validate()
        try CostExperiment.checkArms(arm, base: r, coresetFraction: coreset)
        let splits = try DatasetCatalog.load(name: r.dataset, dataDir: r.dataDir, limit: r.limit)
        let experiment = CostExperiment(base: r, splits: splits, directory: out, coresetFraction: coreset)
        if !arm.isEmpty {
            try experiment.train(arm)
            print("trained \(arm.joined(separator: ", ")) in \(out); run without --arm to write the report")
            return
        }
        let arms = try experiment.run()
        let deployed = try r.deployedBits().bits
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let md = "# Training-cost experiment\n\n\(r.model) on \(r.dataset)\(r.limit.map { ", first \($0) images" } ?? ""), "
            + "\(r.epochs) epochs, multi-bit arms train {\(bits)}, coreset fraction \(coreset), redraw every \(redraw) epochs.\n"
            + "Bit-wise coreset arm: \(c.selection.rawValue) EL2N selection"
            + (c.selection == .stratified ? " dropping the highest-scoring \(String(format: "%g", 100 * c.hardCut))% of each class, " : ", ")
            + (coresetPool.map { "a random candidate pool of \(String(format: "%g", $0))× the subset size scored per class" } ?? "every image scored")
            + "; both subset arms refresh the BatchNorm running statistics with \(c.statisticsRefreshBatches) batches after each subset epoch.\n\n"
            + CostExperiment.markdown(arms, bits: deployed)
        try md.write(toFile: out + "/experiment.md", atomically: true, encoding: .utf8)
        try CostExperiment.csv(arms, bits: deployed).write(toFile: out + "/experiment.csv", atomically: true, encoding: .utf8)
        let plot = SVGScatterPlot(title: "Accuracy per bit-width", xLabel: "bit-width", yLabel: "top-1 accuracy (%)",
                                  series: arms.map { a in
                                      (name: a.name, points: deployed.compactMap { b in
                                          a.accuracy["\(b)-bit"].map { SVGScatterPlot.Point(x: Double(b), y: 100 * $0, label: "") }
                                      })
                                  })
        try plot.svg.write(toFile: out + "/accuracy.svg", atomically: true, encoding: .utf8)
        if json { try printJSON(Report(arms: arms, deployed_bits: deployed, directory: out)); return }
        print(CostExperiment.markdown(arms, bits: deployed), terminator: "")
        print("wrote \(out)/experiment.md, experiment.csv, accuracy.svg")
    }
}
