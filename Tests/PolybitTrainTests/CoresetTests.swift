import Foundation
import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing

@Suite(.serialized) struct CoresetTests {
    init() { Compute.configure(threads: 2) }

    @Test func el2nMatchesHandComputation() {
        // softmax([0, ln 3]) = [0.25, 0.75]; label 1 → ‖(0.25, −0.25)‖ = 0.353553…
        let logits = Tensor(shape: [2, 2], storage: [0, Float(log(3.0)), 0, 0])
        let s = EL2N.scores(logits: logits, labels: [1, 0])
        #expect(abs(s[0] - 0.25 * Float(2).squareRoot()) < 1e-6)
        #expect(abs(s[1] - 0.5 * Float(2).squareRoot()) < 1e-6)  // [0.5, 0.5] vs label 0
    }

    @Test func selectionKeepsTheTopScoresPerClass() {
        let labels: [Int32] = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
        let scores: [Float] = [0.1, 0.9, 0.5, 0.7, 0.2, 0.8, 0.3, 0.6, 0.4, 0.95]
        var rng = SeededRNG(seed: 1)
        let balanced = CoresetSelection.select(
            .top, scores: scores, labels: labels, classes: 2, fraction: 0.5,
            classBalanced: true, rng: &rng)
        #expect(balanced == [1, 3, 5, 7, 9])  // class 0 keeps 2 of 4, class 1 keeps 3 of 6
        let global = CoresetSelection.select(
            .top, scores: scores, labels: labels, classes: 2, fraction: 0.3,
            classBalanced: false, rng: &rng)
        #expect(global == [1, 5, 9])
        #expect(CoresetSelection.subsetSize(labels: labels, classes: 2, fraction: 0.5, classBalanced: true) == 5)
    }

    /// NaN marks samples that were not candidates: only scored ones are chosen, up to the subset size.
    @Test func selectionChoosesOnlyScoredCandidates() {
        let labels: [Int32] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        let nan = Float.nan
        let scores: [Float] = [0.9, nan, 0.1, nan, 0.5, nan, 0.7, nan, 0.3, nan]
        var rng = SeededRNG(seed: 1)
        #expect(
            CoresetSelection.select(
                .top, scores: scores, labels: labels, classes: 1, fraction: 0.3,
                classBalanced: true, rng: &rng) == [0, 4, 6])
        let stratified = CoresetSelection.select(
            .stratified, scores: scores, labels: labels, classes: 1, fraction: 0.4,
            classBalanced: true, hardCut: 0, rng: &rng)
        #expect(stratified.count == 4 && stratified.allSatisfy { $0 % 2 == 0 })
        // Candidates: round(pool · subset size) per class, 2 · round(0.25 · 8) = 4 of each class of 8.
        let two = (0..<16).map { Int32($0 % 2) }
        var a = SeededRNG(seed: 5), b = SeededRNG(seed: 5), c = SeededRNG(seed: 6)
        let pool = CoresetSelection.candidates(
            labels: two, classes: 2, fraction: 0.25, classBalanced: true, pool: 2, rng: &a)
        #expect(pool.count == 8 && pool.filter { $0 % 2 == 0 }.count == 4 && pool == pool.sorted())
        #expect(
            CoresetSelection.candidates(labels: two, classes: 2, fraction: 0.25, classBalanced: true, pool: 2, rng: &b)
                == pool)
        #expect(
            CoresetSelection.candidates(labels: two, classes: 2, fraction: 0.25, classBalanced: true, pool: 2, rng: &c)
                != pool)
        #expect(
            CoresetSelection.candidates(labels: two, classes: 2, fraction: 0.25, classBalanced: true, pool: 9, rng: &c)
                == Array(0..<16), "a pool larger than a class takes all of it")
    }

    /// Hand-worked: 95 scores of 0 and 5 of 1 fall in the first and last of 50 strata. The small
    /// stratum is filled first: its share of 20 is 10, it has 5, so all 5 go in and 15 zeros follow.
    @Test func stratifiedSelectionFillsSmallStrataFirst() {
        let scores = [Float](repeating: 0, count: 95) + [Float](repeating: 1, count: 5)
        let labels = [Int32](repeating: 0, count: 100)
        var rng = SeededRNG(seed: 3)
        let chosen = CoresetSelection.select(
            .stratified, scores: scores, labels: labels, classes: 1, fraction: 0.2,
            classBalanced: true, hardCut: 0, rng: &rng)
        #expect(chosen.count == 20)
        #expect(chosen.filter { $0 >= 95 }.count == 5)
        // Top selection would keep the 5 ones and the 15 lowest-index zeros; stratified draws the zeros at random.
        #expect(chosen.filter { $0 < 95 } != Array(0..<15))
    }

    /// Uniform scores i/1000: the hard cut drops the 100 highest; the 900 left fill 50 strata of 18,
    /// and the budget of 200 takes 4 from each, so both halves of the kept range give 100.
    @Test func stratifiedSelectionDropsTheHardestAndCoversTheRange() {
        let n = 1000
        let scores = (0..<n).map { Float($0) / Float(n) }
        let labels = (0..<n).map { Int32($0 % 2) }
        func draw(_ seed: UInt64) -> [Int] {
            var rng = SeededRNG(seed: seed)
            return CoresetSelection.select(
                .stratified, scores: scores, labels: labels, classes: 2, fraction: 0.2,
                classBalanced: false, hardCut: 0.1, rng: &rng)
        }
        let chosen = draw(7)
        #expect(chosen.count == 200)
        #expect(chosen.allSatisfy { $0 < 900 }, "the 10% highest scores are dropped")
        #expect(chosen.filter { $0 < 450 }.count == 100)
        #expect(draw(7) == chosen, "deterministic under a seed")
        #expect(draw(8) != chosen)
        var rng = SeededRNG(seed: 7)
        let balanced = CoresetSelection.select(
            .stratified, scores: scores, labels: labels, classes: 2, fraction: 0.2,
            classBalanced: true, hardCut: 0.1, rng: &rng)
        #expect(balanced.filter { $0 % 2 == 0 }.count == 100 && balanced.count == 200)
    }

    @Test func coresetConfigDecodesRecipesWrittenBeforeSelectionExisted() throws {
        let old =
            #"{"fraction":0.2,"redrawEpochs":3,"warmupEpochs":1,"score":"random","classBalanced":true,"shared":false}"#
        let c = try JSONDecoder().decode(CoresetConfig.self, from: Data(old.utf8))
        #expect(c.redrawEpochs == 3 && c.score == .random && c.selection == .top && c.hardCut == 0.1)
        #expect(c.candidatePool == nil && c.statisticsRefreshBatches == 0, "old runs resume without a refresh")
        #expect(CoresetConfig(fraction: 0.2).statisticsRefreshBatches == 20)
        var stratified = c
        stratified.selection = .stratified
        stratified.hardCut = 0.05
        stratified.candidatePool = 2
        stratified.statisticsRefreshBatches = 5
        #expect(try JSONDecoder().decode(CoresetConfig.self, from: JSONEncoder().encode(stratified)) == stratified)
    }

    @Test func bitWiseSubsetsHaveTheSizeDifferChangeAtRedrawAndRepeat() throws {
        var config = CoresetConfig(fraction: 0.25)
        config.redrawEpochs = 2
        let dir = temporaryRunDirectory(), again = temporaryRunDirectory()
        try trainCoreset(config, dir: dir)
        try trainCoreset(config, dir: again)
        let first = try CoresetDraw.read(from: CoresetDraw.path(runDirectory: dir, epoch: 1))
        let second = try CoresetDraw.read(from: CoresetDraw.path(runDirectory: dir, epoch: 3))
        #expect(!FileManager.default.fileExists(atPath: CoresetDraw.path(runDirectory: dir, epoch: 2)))
        #expect(first.precisions == ["8-bit", "4-bit", "2-bit"])
        let (_, splits) = coresetRecipe(config)
        for subset in first.subsets {
            #expect(subset.count == 64)  // 25% of 256, 16 of each of 4 classes
            let histogram = subset.reduce(into: [Int](repeating: 0, count: 4)) { $0[Int(splits.train.labels[$1])] += 1 }
            let full = splits.train.classHistogram
            for c in 0..<4 { #expect(histogram[c] == Int((0.25 * Double(full[c])).rounded())) }
        }
        #expect(Set(first.subsets[0]) != Set(first.subsets[2]), "8-bit and 2-bit subsets differ")
        #expect(first.subsets != second.subsets, "a redraw changes the subsets")
        #expect(try CoresetDraw.read(from: CoresetDraw.path(runDirectory: again, epoch: 3)) == second, "deterministic")
    }

    @Test func sharedAndRandomBaselines() throws {
        var shared = CoresetConfig(fraction: 0.25)
        shared.shared = true
        let s = try firstDraw(shared)
        #expect(s.subsets[0] == s.subsets[1] && s.subsets[1] == s.subsets[2])
        var random = CoresetConfig(fraction: 0.25)
        random.score = .random
        let r = try firstDraw(random)
        #expect(r.subsets.allSatisfy { $0.count == 64 })
        #expect(r.subsets[0] != r.subsets[1])
    }

    /// Trains two epochs (warm-up, then the first subsets) and reads the draw of epoch 1.
    func firstDraw(_ config: CoresetConfig) throws -> CoresetDraw {
        let dir = temporaryRunDirectory()
        try trainCoreset(config, stopAfter: 2, dir: dir)
        return try CoresetDraw.read(from: CoresetDraw.path(runDirectory: dir, epoch: 1))
    }

    @Test func defaultStratifiedAndTopRunsDrawSubsetsOfTheSameSize() throws {
        let config = CoresetConfig(fraction: 0.25)
        #expect(config.selection == .stratified)
        var topConfig = config
        topConfig.selection = .top
        let d = try firstDraw(config), t = try firstDraw(topConfig)
        #expect(d.subsets.allSatisfy { $0.count == 64 } && t.subsets.allSatisfy { $0.count == 64 })
        func top(_ scores: [Float]) -> [Int] {
            var rng = SeededRNG(seed: 0)
            return CoresetSelection.select(
                .top, scores: scores, labels: coresetRecipe(config).1.train.labels,
                classes: 4, fraction: 0.25, classBalanced: true, rng: &rng)
        }
        #expect(t.subsets[0] == top(t.scores[0]), "top keeps the highest scores")
        #expect(d.subsets[0] != top(d.scores[0]), "stratified differs from the top scores")
    }

    @Test func candidatePoolScoresOnlyItsCandidates() throws {
        var config = CoresetConfig(fraction: 0.25)
        config.candidatePool = 2
        let d = try firstDraw(config)
        let labels = coresetRecipe(config).1.train.labels
        for (scores, subset) in zip(d.scores, d.subsets) {
            let scored = scores.indices.filter { !scores[$0].isNaN }
            #expect(scored.count == 128, "2 × 16 candidates in each of 4 classes")
            #expect(subset.count == 64 && Set(subset).isSubset(of: scored))
            for c in 0..<4 { #expect(scored.filter { labels[$0] == c }.count == 32) }
        }
        #expect(d.scores[0].map(\.isNaN) != d.scores[2].map(\.isNaN), "each precision draws its own candidates")
        let again = try firstDraw(config)  // NaN != NaN, so compare the scores' bits
        #expect(
            again.subsets == d.subsets
                && again.scores.map { $0.map(\.bitPattern) } == d.scores.map { $0.map(\.bitPattern) },
            "deterministic")
    }

    /// The refresh after a subset epoch continues the running statistics' moving average over
    /// seeded random batches at every trained precision; the weights, and so training, are untouched.
    @Test func statisticsRefreshChangesOnlyTheRunningStatistics() throws {
        var off = CoresetConfig(fraction: 0.25)
        off.statisticsRefreshBatches = 0
        var on = off
        on.statisticsRefreshBatches = 3
        let plain = temporaryRunDirectory(), refreshed = temporaryRunDirectory()
        try trainCoreset(off, stopAfter: 2, dir: plain)
        try trainCoreset(on, stopAfter: 2, dir: refreshed)
        let a = try Checkpoint.read(from: plain + "/checkpoint.h5"),
            b = try Checkpoint.read(from: refreshed + "/checkpoint.h5")
        var statisticsDiffer = 0
        for (name, t) in a.parameters {
            if name.hasSuffix("running_mean") || name.hasSuffix("running_var") {
                if t != b.parameters[name] { statisticsDiffer += 1 }
            } else {
                #expect(t == b.parameters[name], "\(name) changed")
            }
        }
        #expect(statisticsDiffer > 0)
        // The same updates, made here to the un-refreshed model: 3 augmented batches of epoch 1,
        // each at 8, 4 and 2 bits, momentum 0.1, starting from the subset epoch's statistics.
        let (r, splits) = coresetRecipe(on)
        let model = try ModelFactory.make(r, for: splits.train)
        let quant = try QuantizedNetwork(
            model: model, bitWidths: r.trainedBits()!.bits + r.deployedBits().bits,
            options: r.quantizer, quantizeFirstLast: r.quantizeFirstLast, residual: r.residual)
        try a.restore(into: model, file: plain)
        let train = a.normalization.apply(to: splits.train)
        let loader = BatchLoader(
            dataset: train, batchSize: r.batch, shuffle: true,
            augmentation: Augmentation(padding: r.cropPadding, flip: r.flip),
            dropLast: true, seed: r.seed &+ 0xB4_7C4)
        for batch in loader.epoch(1).prefix(3) {
            for bits in [8, 4, 2] {
                quant.set(.uniform(bits))
                _ = model.forward(batch.images, training: true)
            }
        }
        for bn in model.normLayers {
            for p in [bn.runningMean, bn.runningVar] {
                let stored = b.parameters[p.name]!.storage
                for c in stored.indices { #expect(abs(stored[c] - p.value.storage[c]) < 1e-5, "\(p.name)[\(c)]") }
            }
        }
    }

    @Test func resumeReusesTheSavedSubsets() throws {
        let config = CoresetConfig(fraction: 0.25)
        let straight = temporaryRunDirectory(), resumed = temporaryRunDirectory()
        try trainCoreset(config, dir: straight)
        try trainCoreset(config, stopAfter: 2, dir: resumed)
        try trainCoreset(config, resume: true, dir: resumed)
        let a = try Checkpoint.read(from: straight + "/checkpoint.h5"),
            b = try Checkpoint.read(from: resumed + "/checkpoint.h5")
        for (name, t) in a.parameters { #expect(t == b.parameters[name], "\(name) differs after resume") }
    }
}
