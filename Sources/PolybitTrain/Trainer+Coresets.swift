import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

extension Trainer {
    /// At a redraw epoch, draws every trained precision's coreset, saves it to the run folder
    /// (`CoresetDraw.path`, which a resumed run reads; rank 0 writes) and makes it the state's
    /// current draw.
    func redrawCoresets(_ state: inout TrainingState, epoch: Int) throws {
        guard let coreset = recipe.coreset, coreset.redraws(at: epoch) else { return }
        let draw = drawCoresets(coreset, epoch: epoch, state: state)
        if communicator.isRoot { try draw.write(to: CoresetDraw.path(runDirectory: runDirectory, epoch: epoch)) }
        state.draw = draw
    }

    /// After a subset epoch, refreshes the BatchNorm running statistics: `statisticsRefreshBatches`
    /// seeded random training batches (`RandomStream.statisticsRefresh`, augmented as in training),
    /// each forwarded at every trained precision in training order, update the statistics exactly as
    /// training's forwards do (momentum 0.1, so the subset's statistics fade to
    /// 0.9^(batches·precisions)); parameters are untouched. Each rank forwards its part of each batch.
    func refreshStatistics(_ state: TrainingState, epoch: Int) {
        guard let coreset = recipe.coreset, coreset.usesSubsets(at: epoch) else { return }
        let batches = coreset.statisticsRefreshBatches
        guard batches > 0, !state.model.normLayers.isEmpty else { return }
        let loaded = state.data.statisticsLoader.epoch(epoch)
        for i in 0..<min(batches, loaded.count) {
            progress.update(
                "epoch \(epoch + 1)/\(recipe.epochs): BatchNorm statistics from random batches \(i + 1)/\(batches)")
            let batch = loaded.batch(i, sharedBy: communicator)
            for precision in state.schedule.passes {
                state.quant?.set(precision)
                _ = state.model.forward(batch.images, training: true)
            }
        }
    }

    /// Scores the training set (or each class's random candidate pool) at each trained precision
    /// (evaluation mode, no augmentation) and picks each precision's subset; with `shared`, the
    /// highest precision's subset serves all. With an `overlap` other than `.free` the precisions
    /// pick in `pickOrder`, each preferring the images no earlier one took (`preferenceRanks`).
    func drawCoresets(_ config: CoresetConfig, epoch: Int, state: TrainingState) -> CoresetDraw {
        let passes = state.schedule.passes, train = state.data.train
        var scores = [[Float]](repeating: [], count: passes.count),
            subsets = [[Int]](repeating: [], count: passes.count)
        var ranks = preferenceRanks(config, previous: state.draw, count: train.count)
        for k in config.pickOrder(widths: passes.count, epoch: epoch) {
            if config.shared && k > 0 { scores[k] = scores[0]; subsets[k] = subsets[0]; continue }
            scores[k] = coresetScores(config, epoch: epoch, pass: k, state: state)
            var rng = RandomStream.coresetSelection.generator(seed: recipe.seed, epoch: epoch, pass: k)
            subsets[k] = CoresetSelection.select(
                config.selection, scores: scores[k], labels: train.labels, classes: train.classes,
                fraction: config.fraction, classBalanced: config.classBalanced, hardCut: config.hardCut,
                preference: ranks, rng: &rng)
            if ranks != nil { for i in subsets[k] { ranks![i] = CoresetConfig.Overlap.takenRank } }
        }
        return CoresetDraw(epoch: epoch, precisions: passes.map(\.description), scores: scores, subsets: subsets)
    }

    /// The selection preference of each training image before a redraw's first pick (nil with
    /// `.free` overlap): 0, or with `.fresh` 1 for the images of the `previous` redraw's subsets.
    private func preferenceRanks(_ config: CoresetConfig, previous: CoresetDraw?, count: Int) -> [Int]? {
        guard config.overlap != .free else { return nil }
        var ranks = [Int](repeating: 0, count: count)
        if config.overlap == .fresh, let previous {
            for subset in previous.subsets { for i in subset { ranks[i] = 1 } }
        }
        return ranks
    }

    /// Every rank's scores from this rank's `scores` (NaN where it scored none): the ranks score
    /// disjoint parts of `scored`, so summing with zeros elsewhere gathers them exactly; images
    /// outside `scored` stay NaN.
    private func combined(_ scores: [Float], scored: [Int]) -> [Float] {
        guard communicator.size > 1 else { return scores }
        var all = scores.map { $0.isNaN ? 0 : $0 }
        communicator.sum(&all)
        var out = [Float](repeating: .nan, count: scores.count)
        for i in scored { out[i] = all[i] }
        return out
    }

    /// Trained precision `pass`'s score of every training image at the redraw of `epoch` (NaN for
    /// images outside its candidate pool).
    private func coresetScores(_ config: CoresetConfig, epoch: Int, pass k: Int, state: TrainingState) -> [Float] {
        let train = state.data.train, precision = state.schedule.passes[k]
        switch config.score {
        case .el2n:
            var rng = RandomStream.candidatePool.generator(seed: recipe.seed, epoch: epoch, pass: k)
            let candidates = config.candidatePool.map { pool in
                CoresetSelection.candidates(
                    labels: train.labels, classes: train.classes, fraction: config.fraction,
                    classBalanced: config.classBalanced, pool: pool, rng: &rng)
            }
            let scored = candidates ?? Array(0..<train.count)
            let mine = Array(scored[communicator.share(of: scored.count)])
            state.quant?.set(precision)
            let scores = EL2N.scores(of: state.model, on: train, indices: mine) { done in
                progress.update(
                    "epoch \(epoch + 1)/\(recipe.epochs): coreset scores at \(precision) \(done)/\(mine.count)")
            }
            return combined(scores, scored: scored)
        case .random:
            var rng = RandomStream.randomScores.generator(seed: recipe.seed, epoch: epoch, pass: k)
            return (0..<train.count).map { _ in rng.nextFloat() }
        }
    }
}
