import ArgumentParser
import Foundation
import PolybitData
import PolybitQuant
import PolybitTensor
import PolybitTrain

struct TrainCommand: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network; writes RUN_DIR/checkpoint.h5 (each epoch, atomically) and RUN_DIR/log.jsonl.",
        discussion: """
            Defaults reproduce the Fashion-MNIST ResNet-20 run of docs/results.md. With --resume the recipe is read from \
            the checkpoint: flags need not be repeated, and only --epochs may differ. Under `mpirun -np N` the ranks \
            train one model data parallel, each on its part of every batch (--threads per rank); a run resumes with \
            any N (docs/distributed.md).
            """)

    @OptionGroup var recipeOptions: RecipeOptions
    @Option(help: "Threads (results repeat exactly at a fixed thread count).") var threads = System.activeProcessorCount
    @Option(help: "Run folder.") var out: String
    @Flag(help: "Continue from RUN_DIR/checkpoint.h5.") var resume = false
    @Option(
        help:
            "Stop after this many epochs in total, as at a kill after that epoch (a staged run: --resume continues it)."
    )
    var stopAfter: Int?
    @Flag(help: "The dedicated baseline: one model per deploy bit-width (RUN_DIR/dedicated-<b>bit), same recipe.")
    var dedicated = false
    @Flag(help: "Print the summary as one JSON object.") var json = false

    /// The recipe: defaults, or the checkpoint's when resuming, overridden by the flags given.
    func recipe() throws -> TrainingRecipe {
        let checkpoint = out + "/checkpoint.h5"
        let resuming = resume && FileManager.default.fileExists(atPath: checkpoint)
        return try recipeOptions.apply(to: resuming ? Checkpoint.read(from: checkpoint).recipe : TrainingRecipe())
    }

    func run() throws {
        guard threads > 0 else { throw InputError("--threads \(threads): expected a positive number") }
        if let stopAfter, stopAfter < 1 {
            throw InputError("--stop-after \(stopAfter): expected a positive number of epochs")
        }
        Compute.configure(threads: threads)
        let job = Job.start()
        let given = try recipe()
        try given.validate()
        let splits = try given.loadSplits()
        let recipe = given.recordingValidation(of: splits)
        guard dedicated else {
            let trainer = try Trainer(recipe: recipe, splits: splits, runDirectory: out, communicator: job)
            trainer.stopAfterEpochs = stopAfter
            let summary = try trainer.run(resume: resume)
            if json && job.isRoot { try printJSON(summary) }
            return
        }
        guard recipe.bits != nil else {
            throw InputError("--dedicated needs --bits (and --deploy-bits) to know which widths to train")
        }
        var summaries: [String: TrainingSummary] = [:]
        for b in recipe.deployedBits().bits {
            var single = recipe
            single.bits = BitWidthSet(bits: [b], includesFloat: false); single.deployBits = single.bits
            summaries["\(b)-bit"] = try Trainer(
                recipe: single, splits: splits, runDirectory: out + "/dedicated-\(b)bit", communicator: job
            )
            .run(resume: resume)
        }
        if json && job.isRoot { try printJSON(summaries) }
    }
}
