import Foundation
import PolybitData
import PolybitNN
import PolybitTensor

/// What a finished (or stopped) run reports.
public struct TrainingSummary: Codable, Sendable {
    public var epochs: [EpochRecord]
    /// Wall-clock seconds of the epochs run in this invocation.
    public var seconds: Double
    public var final_test_accuracy: Double
}

/// Float training of one model: seeded data order and augmentation, cosine schedule, per-epoch
/// evaluation, a log line and an atomic checkpoint each epoch, and exact resumption (the same
/// final weights as an uninterrupted run at the same seed and thread count).
public final class Trainer {
    public let recipe: TrainingRecipe
    public let runDirectory: String
    public let progress: ProgressLine
    /// Stop after this many epochs in total, as if killed (for tests and staged runs).
    public var stopAfterEpochs: Int?

    private let splits: DatasetSplits

    /// - Parameters: `splits` with raw pixels in [0, 1] (normalized here from the training split).
    public init(recipe: TrainingRecipe, splits: DatasetSplits, runDirectory: String,
                progress: ProgressLine = ProgressLine()) throws {
        try recipe.validate()
        self.recipe = recipe; self.splits = splits; self.runDirectory = runDirectory; self.progress = progress
    }

    public var checkpointPath: String { runDirectory + "/checkpoint.h5" }

    /// Trains to `recipe.epochs`, continuing from the run folder's checkpoint when `resume`.
    public func run(resume: Bool) throws -> TrainingSummary {
        let fm = FileManager.default
        try fm.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let existing = fm.fileExists(atPath: checkpointPath)
        if existing && !resume {
            throw InputError("\(runDirectory) already holds a checkpoint: pass --resume to continue it, or choose another --out")
        }
        let (data, fitted) = splits.normalized()
        let model = try ModelFactory.make(recipe, for: data.train)
        let optimizer = ModelFactory.optimizer(recipe)
        let log = TrainingLog(runDirectory: runDirectory)
        var records: [EpochRecord] = []
        var startEpoch = 0
        var normalization = fitted
        if existing {
            let ckpt = try Checkpoint.read(from: checkpointPath)
            var stored = ckpt.recipe, wanted = recipe
            stored.epochs = 0; wanted.epochs = 0
            guard stored == wanted else {
                throw InputError("\(checkpointPath): was trained with a different recipe; resume with the same flags (only --epochs may change)")
            }
            try ckpt.restore(into: model, file: checkpointPath)
            optimizer.state = ckpt.optimizerState
            normalization = ckpt.normalization
            startEpoch = ckpt.epochsCompleted
            records = Array(try log.records().prefix(startEpoch))
            progress.finish("resuming \(runDirectory) after epoch \(startEpoch)")
        }
        let train = normalization.apply(to: splits.train), test = normalization.apply(to: splits.test)
        let loader = BatchLoader(dataset: train, batchSize: recipe.batch, shuffle: true,
                                 augmentation: Augmentation(padding: recipe.cropPadding, flip: recipe.flip),
                                 dropLast: train.count >= recipe.batch, seed: recipe.seed)
        let stepsPerEpoch = loader.epoch(0).count
        let schedule = CosineSchedule(peak: recipe.learningRate, warmupSteps: recipe.warmupEpochs * stepsPerEpoch,
                                      totalSteps: recipe.epochs * stepsPerEpoch)
        let params = model.parameters
        let lastEpoch = min(recipe.epochs, stopAfterEpochs ?? recipe.epochs)
        let runStart = Clock.seconds()
        for epoch in startEpoch..<max(startEpoch, lastEpoch) {
            let epochStart = Clock.seconds()
            var lossSum = 0.0, correct = 0, seen = 0
            var lr: Float = 0
            let batches = loader.epoch(epoch)
            for (i, batch) in batches.enumerated() {
                let step = epoch * stepsPerEpoch + i
                lr = schedule.rate(at: step)
                optimizer.learningRate = lr
                let r = crossEntropy(logits: model.forward(batch.images, training: true), labels: batch.labels,
                                     labelSmoothing: recipe.labelSmoothing)
                model.backward(r.gradient)
                optimizer.step(params)
                lossSum += Double(r.loss) * Double(batch.count); correct += r.correct; seen += batch.count
                let elapsed = Clock.seconds() - epochStart
                let rate = Double(seen) / elapsed
                let remaining = Double((lastEpoch - epoch) * stepsPerEpoch - i - 1) * Double(recipe.batch) / rate
                progress.update("epoch \(epoch + 1)/\(recipe.epochs) step \(i + 1)/\(stepsPerEpoch) "
                    + "loss \(fmt(lossSum / Double(seen), 4)) acc \(fmt(100 * Double(correct) / Double(seen), 1))% "
                    + "\(Int(rate)) img/s ETA \(ProgressLine.duration(remaining))")
            }
            let seconds = Clock.seconds() - epochStart
            let eval = Evaluator.evaluate(model, on: test)
            let record = EpochRecord(epoch: epoch + 1, train_loss: lossSum / Double(max(1, seen)),
                                     train_accuracy: Double(correct) / Double(max(1, seen)),
                                     test_loss: eval.loss, test_accuracy: eval.accuracy, learning_rate: Double(lr),
                                     seconds: seconds, images_per_s: Double(seen) / seconds)
            records.append(record)
            try Checkpoint(recipe: recipe, epochsCompleted: epoch + 1, stepsCompleted: (epoch + 1) * stepsPerEpoch,
                           model: model, optimizer: optimizer, normalization: normalization).write(to: checkpointPath)
            try log.write(records)
            progress.finish("epoch \(epoch + 1)/\(recipe.epochs): train loss \(fmt(record.train_loss, 4)) "
                + "acc \(fmt(100 * record.train_accuracy, 2))%, test acc \(fmt(100 * eval.accuracy, 2))% "
                + "(\(fmt(seconds, 1)) s, \(Int(record.images_per_s)) img/s)")
        }
        return TrainingSummary(epochs: records, seconds: Clock.seconds() - runStart,
                               final_test_accuracy: records.last?.test_accuracy ?? 0)
    }
}

/// `value` with `digits` decimals.
func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
