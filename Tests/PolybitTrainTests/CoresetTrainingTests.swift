import Foundation
import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing

/// What bit-wise coreset training rests on, checked end to end: each width is scored at its own
/// precision, and a subset epoch trains on its subsets and nothing else.
@Suite(.serialized) struct CoresetTrainingTests {
    init() { Compute.configure(threads: 2) }

    func recipe(_ coreset: CoresetConfig) -> (TrainingRecipe, DatasetSplits) {
        var (r, splits) = tinyRecipe(epochs: 4)
        r.bits = widths("2,4,8")
        r.coreset = coreset
        return (r, splits)
    }

    func train(_ r: TrainingRecipe, _ splits: DatasetSplits, epochs: Int, dir: String) throws -> Checkpoint {
        let t = try Trainer(recipe: r, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false))
        t.stopAfterEpochs = epochs
        _ = try t.run(resume: false)
        return try Checkpoint.read(from: dir + "/checkpoint.h5")
    }

    /// The scores of the redraw at epoch 1 are EL2N of the model after the warm-up epoch quantized
    /// to each width (recomputed here from that epoch's checkpoint); they differ between widths, and
    /// each `top` subset is the top of its own width's scores. Scoring every width at one precision
    /// would make the scores equal (and the subsets with them).
    @Test func eachWidthIsScoredAtItsOwnPrecision() throws {
        var config = CoresetConfig(fraction: 0.25)
        config.selection = .top
        let (r, splits) = recipe(config)
        let warm = try train(r, splits, epochs: 1, dir: temporaryRunDirectory())
        let dir = temporaryRunDirectory()
        _ = try train(r, splits, epochs: 2, dir: dir)
        let draw = try CoresetDraw.read(from: CoresetDraw.path(runDirectory: dir, epoch: 1))
        let model = try ModelFactory.make(r, for: splits.train)
        let quant = try QuantizedNetwork(
            model: model, bitWidths: r.trainedBits()!.bits + r.deployedBits().bits,
            options: r.quantizer, quantizeFirstLast: r.quantizeFirstLast, residual: r.residual)
        try warm.restore(into: model, file: dir)
        let data = warm.normalization.apply(to: splits.train)
        func top(_ scores: [Float]) -> [Int] {
            var rng = SeededRNG(seed: 0)
            return CoresetSelection.select(
                .top, scores: scores, labels: splits.train.labels, classes: 4, fraction: 0.25,
                classBalanced: true, rng: &rng)
        }
        for (k, bits) in [8, 4, 2].enumerated() {
            quant.set(.uniform(bits))
            let expected = EL2N.scores(of: model, on: data)
            #expect(draw.scores[k].map(\.bitPattern) == expected.map(\.bitPattern), "\(bits)-bit scores")
            #expect(draw.subsets[k] == top(draw.scores[k]))
        }
        for (j, k) in [(0, 1), (0, 2), (1, 2)] {
            #expect(draw.scores[j] != draw.scores[k])
            #expect(draw.subsets[j] != draw.subsets[k])
        }
    }

    /// Random subsets drawn without looking at labels (random scores, no class balance), no
    /// warm-up and no statistics refresh: relabelling every image outside the three widths' subsets
    /// of epoch 0 leaves the weights after that epoch bit for bit unchanged, while relabelling one
    /// image of the 2-bit subset changes them. Training on all data would see every relabelling.
    @Test func subsetEpochsTrainOnTheSubsetsOnly() throws {
        var config = CoresetConfig(fraction: 0.25)
        config.score = .random; config.selection = .top; config.classBalanced = false
        config.warmupEpochs = 0; config.statisticsRefreshBatches = 0
        let (r, splits) = recipe(config)
        let dir = temporaryRunDirectory()
        let reference = try train(r, splits, epochs: 1, dir: dir)
        let draw = try CoresetDraw.read(from: CoresetDraw.path(runDirectory: dir, epoch: 0))
        let trained = Set(draw.subsets.joined())
        #expect(trained.count < 200, "the subsets leave images out")
        func relabelled(_ images: [Int]) throws -> Checkpoint {
            var changed = splits
            for i in images { changed.train.labels[i] = (changed.train.labels[i] + 1) % 4 }
            return try train(r, changed, epochs: 1, dir: temporaryRunDirectory())
        }
        let outside = try relabelled((0..<256).filter { !trained.contains($0) })
        for (name, t) in reference.parameters { #expect(t == outside.parameters[name], "\(name) changed") }
        let inside = try relabelled([draw.subsets[2][0]])
        #expect(reference.parameters.contains { name, t in t != inside.parameters[name] })
    }
}
