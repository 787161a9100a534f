import Foundation
import PolybitData
import PolybitNN
import PolybitQuant
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
        let model = try ModelFactory.make(recipe, for: splits.train)
        let trained = try recipe.trainedBits(), deployed = try recipe.deployedBits()
        let quant = try trained.map {
            try QuantizedNetwork(model: model, bitWidths: $0.bits + deployed.bits, options: recipe.quantizer,
                                 quantizeFirstLast: recipe.quantizeFirstLast)
        }
        if recipe.quantizer.alrs, let trained { quant?.applyAdaptiveStepLearningRates(trained: trained.bits) }
        let optimizer = ModelFactory.optimizer(recipe)
        let log = TrainingLog(runDirectory: runDirectory)
        var records: [EpochRecord] = []
        var startEpoch = 0
        // Means on the pixel grid: the exported 8-bit input is then exact (docs/integer-model.md).
        var normalization = ChannelNormalization(fitting: splits.train).roundedToPixelGrid()
        if existing {
            let ckpt = try Checkpoint.read(from: checkpointPath)
            guard try ckpt.recipe.trainingIdentity() == recipe.trainingIdentity() else {
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
        // Each trained precision draws its own batches (sequential multi-bit training, EMQ).
        let passes = trained?.precisionsHighestFirst ?? [.float]
        let loaders = passes.indices.map { k in
            BatchLoader(dataset: train, batchSize: recipe.batch, shuffle: true,
                        augmentation: Augmentation(padding: recipe.cropPadding, flip: recipe.flip),
                        dropLast: train.count >= recipe.batch, seed: recipe.seed &+ UInt64(k) &* 0x9E37_79B9)
        }
        // Steps per epoch: all of the data, or each precision's coreset (all the same size).
        let fullSteps = loaders[0].epoch(0).count
        let coreset = recipe.coreset
        let subsetSize = coreset.map {
            CoresetSelection.subsetSize(labels: train.labels, classes: train.classes, fraction: $0.fraction,
                                        classBalanced: $0.classBalanced)
        } ?? train.count
        let subsetSteps = train.count >= recipe.batch ? max(1, subsetSize / recipe.batch) : 1
        func steps(_ epoch: Int) -> Int { coreset?.usesSubsets(at: epoch) == true ? subsetSteps : fullSteps }
        func firstUpdate(_ epoch: Int) -> Int { (0..<epoch).reduce(0) { $0 + steps($1) } * passes.count }
        let schedule = CosineSchedule(peak: recipe.learningRate, warmupSteps: recipe.warmupEpochs * fullSteps * passes.count,
                                      totalSteps: firstUpdate(recipe.epochs))
        let params = model.parameters
        let lastEpoch = min(recipe.epochs, stopAfterEpochs ?? recipe.epochs)
        var draw: CoresetDraw?
        if let coreset, startEpoch > coreset.warmupEpochs {
            // Resume with the subsets the interrupted run drew (saved at each redraw).
            let redraw = (coreset.warmupEpochs...startEpoch).last { coreset.redraws(at: $0) && $0 < startEpoch }!
            draw = try CoresetDraw.read(from: CoresetDraw.path(runDirectory: runDirectory, epoch: redraw))
        }
        let runStart = Clock.seconds()
        for epoch in startEpoch..<max(startEpoch, lastEpoch) {
            let epochStart = Clock.seconds()
            if let coreset, coreset.redraws(at: epoch) {
                let d = drawCoresets(coreset, epoch: epoch, passes: passes, model: model, quant: quant, train: train)
                try d.write(to: CoresetDraw.path(runDirectory: runDirectory, epoch: epoch))
                draw = d
            }
            let stepsPerEpoch = steps(epoch)
            var lossSums = [Double](repeating: 0, count: passes.count), corrects = [Int](repeating: 0, count: passes.count)
            var seen = 0
            var lr: Float = 0
            let batches = loaders.indices.map { k in
                loaders[k].epoch(epoch, subset: coreset?.usesSubsets(at: epoch) == true ? draw!.subsets[k] : nil)
            }
            let epochFirstUpdate = firstUpdate(epoch)
            for i in 0..<stepsPerEpoch {
                for (k, precision) in passes.enumerated() {
                    lr = schedule.rate(at: epochFirstUpdate + i * passes.count + k)
                    optimizer.learningRate = lr
                    let batch = batches[k][i]
                    // The teacher's logits first: the student's forward must be the last one before backward.
                    let teacher = recipe.distillation > 0 && k > 0 ? teacherLogits(batch.images, passes[0], model, quant) : nil
                    quant?.set(precision)
                    let logits = model.forward(batch.images, training: true)
                    var r = crossEntropy(logits: logits, labels: batch.labels, labelSmoothing: recipe.labelSmoothing)
                    if let teacher {
                        let kd = distillationKL(student: logits, teacher: teacher)
                        r.loss += recipe.distillation * kd.loss
                        r.gradient = r.gradient + kd.gradient * recipe.distillation
                    }
                    model.backward(r.gradient)
                    optimizer.step(params)
                    lossSums[k] += Double(r.loss) * Double(batch.count); corrects[k] += r.correct
                    if k == 0 { seen += batch.count }
                }
                let elapsed = Clock.seconds() - epochStart
                let rate = Double(seen * passes.count) / elapsed
                let remaining = Double((lastEpoch - epoch) * stepsPerEpoch - i - 1) * Double(recipe.batch * passes.count) / rate
                let losses = passes.indices.map { k in
                    (passes.count > 1 ? "\(passes[k]) " : "") + fmt(lossSums[k] / Double(seen), 3)
                }.joined(separator: " ")
                progress.update("epoch \(epoch + 1)/\(recipe.epochs) step \(i + 1)/\(stepsPerEpoch) loss \(losses) "
                    + "acc \(fmt(100 * Double(corrects[0]) / Double(seen), 1))% \(Int(rate)) img/s "
                    + "ETA \(ProgressLine.duration(remaining))")
            }
            if let coreset, coreset.usesSubsets(at: epoch) {
                refreshRunningStatistics(batches: coreset.statisticsRefreshBatches, epoch: epoch, passes: passes,
                                         model: model, quant: quant, train: train)
            }
            let seconds = Clock.seconds() - epochStart
            var byPrecision: [String: Double]?
            let eval: EvaluationResult
            if let quant, let trained {
                let results = Evaluator.evaluate(quant, at: deployed.precisionsHighestFirst, trained: trained.bits, on: test)
                byPrecision = Dictionary(uniqueKeysWithValues: results.map { ($0.0.description, $0.1.accuracy) })
                eval = results.first { $0.0 == passes[0] }?.1 ?? results[0].1
            } else {
                eval = Evaluator.evaluate(model, on: test)
            }
            let record = EpochRecord(
                epoch: epoch + 1, train_loss: lossSums.reduce(0, +) / Double(max(1, seen * passes.count)),
                train_accuracy: Double(corrects.reduce(0, +)) / Double(max(1, seen * passes.count)),
                test_loss: eval.loss, test_accuracy: eval.accuracy, learning_rate: Double(lr),
                seconds: seconds, images_per_s: Double(seen * passes.count) / seconds,
                test_accuracy_by_precision: byPrecision,
                train_loss_by_precision: passes.count > 1 || quant != nil
                    ? Dictionary(uniqueKeysWithValues: passes.indices.map { (passes[$0].description, lossSums[$0] / Double(max(1, seen))) })
                    : nil)
            records.append(record)
            try Checkpoint(recipe: recipe, epochsCompleted: epoch + 1, stepsCompleted: firstUpdate(epoch + 1),
                           model: model, optimizer: optimizer, normalization: normalization).write(to: checkpointPath)
            try log.write(records)
            let perBits = byPrecision.map { b in
                ", test " + deployed.precisionsHighestFirst.map { "\($0) \(fmt(100 * (b[$0.description] ?? 0), 2))" }.joined(separator: " ")
            } ?? ", test acc \(fmt(100 * eval.accuracy, 2))%"
            progress.finish("epoch \(epoch + 1)/\(recipe.epochs): train loss \(fmt(record.train_loss, 4))\(perBits) "
                + "(\(fmt(seconds, 1)) s, \(Int(record.images_per_s)) img/s)")
        }
        return TrainingSummary(epochs: records, seconds: Clock.seconds() - runStart,
                               final_test_accuracy: records.last?.test_accuracy ?? 0)
    }
}

extension Trainer {
    /// Logits of the network at `precision` on `images` (training-mode forward, no backward): the
    /// soft targets of in-place distillation.
    func teacherLogits(_ images: Tensor, _ precision: Precision, _ model: any ImageClassifier,
                       _ quant: QuantizedNetwork?) -> Tensor {
        quant?.set(precision)
        return model.forward(images, training: true)
    }

    /// Refreshes the BatchNorm running statistics after a subset epoch: `batches` seeded random
    /// training batches (augmented as in training), each forwarded at every trained precision in
    /// training order, update the statistics exactly as training's forwards do (momentum 0.1, so
    /// the subset's statistics fade to 0.9^(batches·precisions)); parameters are untouched.
    func refreshRunningStatistics(batches: Int, epoch: Int, passes: [Precision], model: any ImageClassifier,
                                  quant: QuantizedNetwork?, train: Dataset) {
        guard batches > 0, !model.normLayers.isEmpty else { return }
        let loader = BatchLoader(dataset: train, batchSize: recipe.batch, shuffle: true,
                                 augmentation: Augmentation(padding: recipe.cropPadding, flip: recipe.flip),
                                 dropLast: train.count >= recipe.batch, seed: recipe.seed &+ 0xB4_7C4)
        for (i, batch) in loader.epoch(epoch).prefix(batches).enumerated() {
            progress.update("epoch \(epoch + 1)/\(recipe.epochs): BatchNorm statistics from random batches \(i + 1)/\(batches)")
            for precision in passes {
                quant?.set(precision)
                _ = model.forward(batch.images, training: true)
            }
        }
    }

    /// Scores the training set (or each class's random candidate pool) at each trained precision
    /// (evaluation mode, no augmentation) and picks each precision's subset; with `shared`, the
    /// highest precision's subset serves all.
    func drawCoresets(_ config: CoresetConfig, epoch: Int, passes: [Precision], model: any ImageClassifier,
                      quant: QuantizedNetwork?, train: Dataset) -> CoresetDraw {
        var scores: [[Float]] = [], subsets: [[Int]] = []
        for (k, precision) in passes.enumerated() {
            if config.shared && k > 0 { scores.append(scores[0]); subsets.append(subsets[0]); continue }
            let s: [Float]
            switch config.score {
            case .el2n:
                var rng = SeededRNG.stream(seed: recipe.seed &+ 0xCA4D, UInt64(epoch * 64 + k))
                let candidates = config.candidatePool.map { pool in
                    CoresetSelection.candidates(labels: train.labels, classes: train.classes, fraction: config.fraction,
                                                classBalanced: config.classBalanced, pool: pool, rng: &rng)
                }
                let total = candidates?.count ?? train.count
                quant?.set(precision)
                s = EL2N.scores(of: model, on: train, indices: candidates) { done in
                    progress.update("epoch \(epoch + 1)/\(recipe.epochs): coreset scores at \(precision) \(done)/\(total)")
                }
            case .random:
                var rng = SeededRNG.stream(seed: recipe.seed &+ 0xC0FE, UInt64(epoch * 64 + k))
                s = (0..<train.count).map { _ in rng.nextFloat() }
            }
            scores.append(s)
            var rng = SeededRNG.stream(seed: recipe.seed &+ 0x5E1EC7, UInt64(epoch * 64 + k))
            subsets.append(CoresetSelection.select(config.selection, scores: s, labels: train.labels,
                                                   classes: train.classes, fraction: config.fraction,
                                                   classBalanced: config.classBalanced, hardCut: config.hardCut,
                                                   rng: &rng))
        }
        return CoresetDraw(epoch: epoch, precisions: passes.map(\.description), scores: scores, subsets: subsets)
    }
}

/// `value` with `digits` decimals.
func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
