import Foundation
import PolybitData
import PolybitTensor

/// What a finished (or stopped) run reports.
public struct TrainingSummary: Codable, Sendable {
    public var epochs: [EpochRecord]
    /// Wall-clock seconds of the epochs run in this invocation.
    public var seconds: Double
    public var final_test_accuracy: Double
}

/// Float and multi-bit training of one model: seeded data order and augmentation
/// (`RandomStream`), cosine schedule, per-epoch evaluation, a log line and an atomic checkpoint
/// each epoch, and exact resumption (the same final weights as an uninterrupted run at the same
/// seed and thread count).
///
/// A run is a sequence of named steps over one `TrainingState`: `prepare` (fresh, or resumed from
/// the run folder), then per epoch `redrawCoresets`, `runEpoch`, `refreshStatistics`, `evaluate`,
/// `writeCheckpoint` and `report`.
///
/// With a `communicator` of several ranks (`mpirun -np N polybit train`), the run is data parallel
/// (docs/distributed.md): every rank follows the same data order and takes its part of each
/// batch, BatchNorm statistics and gradients are summed over the ranks, evaluation and coreset
/// scoring are shared out, and rank 0 alone prints and writes the run folder. The ranks train the
/// model one process would train with the same batch, up to the order of float additions.
public final class Trainer {
    public let recipe: TrainingRecipe
    public let runDirectory: String
    public let progress: ProgressLine
    /// The ranks of the job (one process by default).
    public let communicator: any Communicator
    /// Stop after this many epochs in total, as if killed (for tests and staged runs).
    public var stopAfterEpochs: Int?

    let splits: DatasetSplits

    /// - Parameters: `splits` with raw pixels in [0, 1] (normalized here from the training split).
    public init(
        recipe: TrainingRecipe, splits: DatasetSplits, runDirectory: String,
        progress: ProgressLine = ProgressLine(), communicator: any Communicator = SingleProcess()
    ) throws {
        try recipe.validate()
        guard recipe.batch >= communicator.size else {
            throw RecipeError(
                .batch,
                "\(recipe.batch): smaller than the \(communicator.size) ranks; each rank needs a part of every batch")
        }
        self.recipe = recipe; self.splits = splits; self.runDirectory = runDirectory
        self.progress = communicator.isRoot ? progress : ProgressLine(enabled: false)
        self.communicator = communicator
    }

    public var checkpointPath: String { runDirectory + "/checkpoint.h5" }

    /// Trains to `recipe.epochs` (or `stopAfterEpochs`), continuing from the run folder's
    /// checkpoint when `resume`.
    public func run(resume: Bool) throws -> TrainingSummary {
        var state = try prepare(resume: resume)
        let lastEpoch = min(recipe.epochs, stopAfterEpochs ?? recipe.epochs)
        let runStart = Clock.seconds()
        while state.epochsCompleted < lastEpoch {
            let epoch = state.epochsCompleted, epochStart = Clock.seconds()
            try redrawCoresets(&state, epoch: epoch)
            let totals = try runEpoch(state, epoch: epoch, lastEpoch: lastEpoch, started: epochStart)
            refreshStatistics(state, epoch: epoch)
            let seconds = Clock.seconds() - epochStart
            let record =
                state.average.map { a in
                    a.withAverages { evaluate(state, epoch: epoch, totals: totals, seconds: seconds) }
                }
                ?? evaluate(state, epoch: epoch, totals: totals, seconds: seconds)
            try checkConverging(record)
            try checkReplicasAgree(state, epoch: epoch)
            state.records.append(record)
            state.epochsCompleted = epoch + 1
            try writeCheckpoint(state)
            report(record, deployed: state.deployed)
        }
        return TrainingSummary(
            epochs: state.records, seconds: Clock.seconds() - runStart,
            final_test_accuracy: state.records.last?.test_accuracy ?? 0)
    }
}

extension Trainer {
    /// Stops a run whose losses are no longer finite, before its checkpoint or log is written: the
    /// run folder keeps the last finite epoch, and the error names the learning rate, the usual cause.
    func checkConverging(_ record: EpochRecord) throws {
        guard record.train_loss.isFinite && record.test_loss.isFinite else {
            throw RecipeError(
                .learningRate,
                """
                \(recipe.learningRate): training diverged in epoch \(record.epoch) (train loss \(record.train_loss), \
                test loss \(record.test_loss)); \(runDirectory) keeps epoch \(record.epoch - 1); retry with a lower \(.learningRate)
                """)
        }
    }
}

extension Trainer {
    /// Stops a data-parallel run whose ranks no longer hold the same model (which the
    /// collectives guarantee; a rank that computed differently, e.g. on other data files, breaks it):
    /// the sum of every parameter and buffer must be the same on every rank.
    func checkReplicasAgree(_ state: TrainingState, epoch: Int) throws {
        guard communicator.size > 1 else { return }
        let checksum = state.model.parameters.reduce(0.0) { total, p in
            p.value.storage.reduce(total) { $0 + Double($1) }
        }
        guard communicator.agree(on: checksum) else {
            throw InputError(
                "the ranks' models differ after epoch \(epoch + 1); every rank must read the same data and checkpoint"
            )
        }
    }
}

/// `value` with `digits` decimals.
func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
