import PolybitData
import PolybitNN
import PolybitQuant

/// The update plan of a run: the precisions trained in turn on each step, the steps of each epoch
/// (all of the data, or each precision's coreset) and the learning rate of every update.
struct TrainingSchedule {
    /// Trained precisions in training order, highest first (`[.float]` for a float model); every
    /// step makes one optimizer update per precision.
    let passes: [Precision]
    /// Steps of a full-data epoch.
    let fullSteps: Int
    /// Steps of a subset epoch (every precision's coreset has the same size).
    let subsetSteps: Int
    let coreset: CoresetConfig?
    /// Learning rate by update index: linear warm-up over `recipe.warmupEpochs` full epochs, cosine
    /// decay to the last update of `recipe.epochs`.
    let learningRate: CosineSchedule

    /// The plan of `recipe` over the normalized training split `train`, whose full epoch takes
    /// `fullSteps` batches.
    init(recipe: TrainingRecipe, passes: [Precision], fullSteps: Int, train: Dataset) {
        self.passes = passes; self.fullSteps = fullSteps
        coreset = recipe.coreset
        let subsetSize =
            coreset.map {
                CoresetSelection.subsetSize(
                    labels: train.labels, classes: train.classes, fraction: $0.fraction,
                    classBalanced: $0.classBalanced)
            } ?? train.count
        let subsetSteps = train.count >= recipe.batch ? max(1, subsetSize / recipe.batch) : 1
        self.subsetSteps = subsetSteps
        let totalUpdates = Self.updates(
            before: recipe.epochs, coreset: coreset, fullSteps: fullSteps,
            subsetSteps: subsetSteps, passes: passes.count)
        learningRate = CosineSchedule(
            peak: recipe.learningRate,
            warmupSteps: recipe.warmupEpochs * fullSteps * passes.count,
            totalSteps: totalUpdates)
    }

    /// Whether `epoch` (0-based) trains on coresets.
    func usesSubsets(_ epoch: Int) -> Bool { coreset?.usesSubsets(at: epoch) == true }

    /// Steps (batches per precision) of `epoch`.
    func steps(_ epoch: Int) -> Int { usesSubsets(epoch) ? subsetSteps : fullSteps }

    /// Index of the first optimizer update of `epoch` (the number of updates of all earlier epochs).
    func firstUpdate(_ epoch: Int) -> Int {
        Self.updates(
            before: epoch, coreset: coreset, fullSteps: fullSteps, subsetSteps: subsetSteps,
            passes: passes.count)
    }

    private static func updates(
        before epoch: Int, coreset: CoresetConfig?, fullSteps: Int, subsetSteps: Int,
        passes: Int
    ) -> Int {
        (0..<epoch).reduce(0) { $0 + (coreset?.usesSubsets(at: $1) == true ? subsetSteps : fullSteps) } * passes
    }
}
