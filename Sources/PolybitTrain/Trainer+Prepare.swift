import Foundation
import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

extension Trainer {
    /// The state a run starts from: a freshly initialized model (`RandomStream.initialization`),
    /// or, when the run folder holds a checkpoint and `resume`, the checkpoint's weights, optimizer
    /// state, normalization and epoch count with the log's records and the latest coreset draw.
    /// An `InputError` when the folder holds a checkpoint without `resume`, or one of another recipe.
    func prepare(resume: Bool) throws -> TrainingState {
        let fm = FileManager.default
        let existing = fm.fileExists(atPath: checkpointPath)
        // Every rank looks for the checkpoint before rank 0 makes the folder, so they all agree.
        communicator.barrier()
        if communicator.isRoot { try fm.createDirectory(atPath: runDirectory, withIntermediateDirectories: true) }
        if existing && !resume {
            throw InputError(
                "\(runDirectory) already holds a checkpoint: pass --resume to continue it, or choose another --out")
        }
        let model = try ModelFactory.make(recipe, for: splits.train)
        let trained = recipe.trainedBits(), deployed = recipe.deployedBits()
        let quant = try trained.map {
            try QuantizedNetwork(
                model: model, bitWidths: $0.bits + deployed.bits, options: recipe.quantizer,
                quantizeFirstLast: recipe.quantizeFirstLast, residual: recipe.residual)
        }
        if recipe.quantizer.alrs, let trained { quant?.applyAdaptiveStepLearningRates(trained: trained.bits) }
        let optimizer = ModelFactory.optimizer(recipe)
        let checkpoint = existing ? try restore(into: model, optimizer: optimizer) : nil
        let epochsCompleted = checkpoint?.epochsCompleted ?? 0
        // Means on the pixel grid: the exported 8-bit input is then exact (docs/integer-model.md).
        let normalization =
            checkpoint?.normalization
            ?? ChannelNormalization(fitting: splits.train).roundedToPixelGrid()
        let precisions = trained?.precisionsHighestFirst ?? [.float]
        // One-shot training updates once per step, all subnets on the max subnet's batch.
        let passes = recipe.oneShot ? [precisions[0]] : precisions
        let data = TrainingData(recipe: recipe, splits: splits, normalization: normalization, passes: passes.count)
        let schedule = TrainingSchedule(
            recipe: recipe, passes: passes, fullSteps: data.loaders[0].epoch(0).count,
            train: data.train)
        let records =
            checkpoint == nil
            ? [] : Array(try TrainingLog(runDirectory: runDirectory).records().prefix(epochsCompleted))
        if communicator.size > 1 {
            for bn in model.normLayers { bn.replicas = communicator }
            for q in quant?.activationQuantizers ?? [] { q.replicas = communicator }
        }
        return TrainingState(
            model: model, quant: quant, optimizer: optimizer, trained: trained, deployed: deployed,
            normalization: normalization, data: data, schedule: schedule, records: records,
            epochsCompleted: epochsCompleted, draw: try savedDraw(before: epochsCompleted),
            gradients: GradientReduction(parameters: model.parameters, communicator: communicator),
            average: recipe.weightAverage > 0
                ? WeightAverage(
                    parameters: model.parameters, decay: recipe.weightAverage, stored: checkpoint?.averaged ?? [:])
                : nil)
    }

    /// Reads the run folder's checkpoint into `model` and `optimizer` after checking that it was
    /// trained with this recipe (only the epoch count may differ).
    private func restore(into model: any ImageClassifier, optimizer: any Optimizer) throws -> Checkpoint {
        let checkpoint = try Checkpoint.read(from: checkpointPath)
        guard checkpoint.recipe.trainingIdentity() == recipe.trainingIdentity() else {
            throw InputError(
                "\(checkpointPath): was trained with a different recipe; resume with the same flags (only --epochs may change)"
            )
        }
        try checkpoint.restore(into: model, file: checkpointPath)
        optimizer.state = checkpoint.optimizerState
        progress.finish("resuming \(runDirectory) after epoch \(checkpoint.epochsCompleted)")
        return checkpoint
    }

    /// The subsets a run stopped before `epoch` last drew (saved at each redraw), or nil when it
    /// has not drawn any yet.
    private func savedDraw(before epoch: Int) throws -> CoresetDraw? {
        guard let coreset = recipe.coreset, epoch > coreset.warmupEpochs else { return nil }
        let redraw = (coreset.warmupEpochs..<epoch).last { coreset.redraws(at: $0) }!
        return try CoresetDraw.read(from: CoresetDraw.path(runDirectory: runDirectory, epoch: redraw))
    }
}
