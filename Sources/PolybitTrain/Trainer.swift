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
public final class Trainer {
    public let recipe: TrainingRecipe
    public let runDirectory: String
    public let progress: ProgressLine
    /// Stop after this many epochs in total, as if killed (for tests and staged runs).
    public var stopAfterEpochs: Int?

    let splits: DatasetSplits

    /// - Parameters: `splits` with raw pixels in [0, 1] (normalized here from the training split).
    public init(
        recipe: TrainingRecipe, splits: DatasetSplits, runDirectory: String,
        progress: ProgressLine = ProgressLine()
    ) throws {
        try recipe.validate()
        self.recipe = recipe; self.splits = splits; self.runDirectory = runDirectory; self.progress = progress
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
            let record = evaluate(state, epoch: epoch, totals: totals, seconds: Clock.seconds() - epochStart)
            try checkConverging(record)
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

/// `value` with `digits` decimals.
func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
