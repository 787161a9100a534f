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
        abstract: "Experiments that produce the figures of docs/results-coreset.md.",
        subcommands: [CostExperimentCommand.self, MergeExperimentCommand.self])
}

/// `polybit experiment merge`: several cost experiments (seeds, fractions, machines) in one table.
struct MergeExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract:
            "Merge the results of several `experiment cost` folders: per arm and width the mean accuracy and its range.",
        discussion: """
            Each folder is a finished `polybit experiment cost --out DIR` (e.g. one per --seed, each run as its own \
            job, locally with xargs -P or as a Slurm job array); they must report the same arms and widths. Prints \
            the Markdown table, or writes it with --out.
            """)

    @Argument(help: "Experiment folders, each holding experiment.csv.") var directories: [String]
    @Option(help: "Write the Markdown table to this file.") var out: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let merged = try ExperimentMerge(directories: directories)
        if let out { try merged.markdown.write(toFile: out, atomically: true, encoding: .utf8) }
        if json { try printJSON(merged); return }
        print(merged.markdown, terminator: "")
        if let out { print("wrote \(out)") }
    }
}

/// `polybit experiment cost`: dedicated vs multi-bit (full data, bit-wise coreset, random subsets).
struct CostExperimentCommand: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract:
            "Training cost: dedicated models per bit-width vs one multi-bit model on full data, bit-wise coresets and random subsets.",
        discussion: """
            Writes DIR/experiment.md, DIR/experiment.csv and DIR/accuracy.svg, and each arm's run folder; \
            rerunning resumes; --arm trains single arms (e.g. one per process). Every training flag of `train` \
            sets that field of every arm's recipe. The experiment's base recipe differs from train's defaults: \
            trained bit-widths {2,4,8}, deployed 2-8, coreset fraction 0.2 (hours). --quick: ResNet-8, 2000 \
            images, 3 epochs, deployed {2,4,8} (minutes). Under mpirun the arms are shared out over groups of ranks \
            (each arm data parallel over its group) and rank 0 writes the report (docs/distributed.md).
            """)

    @Flag(help: "The small size, for tests and demos.") var quick = false
    @OptionGroup var recipeOptions: RecipeOptions
    @Option(help: "Results folder.") var out = "runs/experiment-cost"
    @Option(help: "Threads.") var threads = System.activeProcessorCount
    @Option(
        help:
            "Train only this arm (repeatable): dedicated-<b>bit, multibit-full, multibit-coreset or multibit-random. Arms can then run in parallel processes; run without --arm to write the report."
    )
    var arm: [String] = []
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Encodable { var arms: [CostExperiment.Arm]; var deployed_bits: [Int]; var directory: String }

    /// The recipe every arm starts from before the flags apply (see the discussion).
    func base() -> TrainingRecipe {
        var r = TrainingRecipe()
        r.bits = BitWidthSet(bits: [2, 4, 8], includesFloat: false)
        r.deployBits = BitWidthSet(bits: quick ? [2, 4, 8] : Array(2...8), includesFloat: false)
        r.coreset = CoresetConfig(fraction: 0.2)
        if quick { r.model = .resnet(depth: 8); r.limit = 2000; r.epochs = 3 }
        return r
    }

    func run() throws {
        Compute.configure(threads: threads)
        let job = Job.start()
        let given = try recipeOptions.apply(to: base())
        try given.validate()
        let bits = given.bits!, c = given.coreset!  // set by base(); no flag unsets them
        try CostExperiment.checkArms(arm, base: given, coresetFraction: c.fraction)
        let splits = try given.loadSplits()
        let r = given.recordingValidation(of: splits)
        let experiment = CostExperiment(base: r, splits: splits, directory: out, coresetFraction: c.fraction)
        if !arm.isEmpty || job.size > 1 {
            try experiment.train(arm.isEmpty ? try experiment.plan().map(\.name) : arm, sharedBy: job)
            guard job.isRoot else { return }
            if !arm.isEmpty {
                print("trained \(arm.joined(separator: ", ")) in \(out); run without --arm to write the report")
                return
            }
        }
        let arms = try experiment.run()
        let deployed = r.deployedBits().bits
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let md =
            "# Training-cost experiment\n\n\(r.model) on \(r.dataset)\(r.limit.map { ", first \($0) images" } ?? ""), "
            + "\(r.epochs) epochs, multi-bit arms train {\(bits.description)}, coreset fraction \(c.fraction), redraw every \(c.redrawEpochs) epochs.\n"
            + "Bit-wise coreset arm: \(c.selection.rawValue) EL2N selection"
            + (c.selection == .stratified
                ? " dropping the highest-scoring \(String(format: "%g", 100 * c.hardCut))% of each class, " : ", ")
            + (c.candidatePool.map {
                "a random candidate pool of \(String(format: "%g", $0))× the subset size scored per class"
            } ?? "every image scored")
            + "; both subset arms refresh the BatchNorm running statistics with \(c.statisticsRefreshBatches) batches after each subset epoch; "
            + "the coreset arm's widths pick \(c.overlap.rawValue) subsets (`--coreset-overlap`; random arm: free).\n\n"
            + CostExperiment.markdown(arms, bits: deployed)
        try md.write(toFile: out + "/experiment.md", atomically: true, encoding: .utf8)
        try CostExperiment.csv(arms, bits: deployed).write(
            toFile: out + "/experiment.csv", atomically: true, encoding: .utf8)
        let plot = SVGScatterPlot(
            title: "Accuracy per bit-width", xLabel: "bit-width", yLabel: "top-1 accuracy (%)",
            series: arms.map { a in
                (
                    name: a.name,
                    points: deployed.compactMap { b in
                        a.accuracy["\(b)-bit"].map { SVGScatterPlot.Point(x: Double(b), y: 100 * $0, label: "") }
                    }
                )
            })
        try plot.svg.write(toFile: out + "/accuracy.svg", atomically: true, encoding: .utf8)
        if json { try printJSON(Report(arms: arms, deployed_bits: deployed, directory: out)); return }
        print(CostExperiment.markdown(arms, bits: deployed), terminator: "")
        print("wrote \(out)/experiment.md, experiment.csv, accuracy.svg")
    }
}
