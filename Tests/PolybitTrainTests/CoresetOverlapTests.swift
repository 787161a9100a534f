import Foundation
import PolybitData
import PolybitTensor
import PolybitTrain
import Testing

/// `CoresetConfig.Overlap`: the widths' subsets of a redraw picked in turn, each preferring images
/// no earlier width took (`.disjoint`) and, with `.fresh`, images outside the previous redraw's.
@Suite(.serialized) struct CoresetOverlapTests {
    init() { Compute.configure(threads: 2) }

    /// Hand-worked `.top` with preference ranks: scores fall with the index; ranks [2,0,2,0,1,0].
    /// Budget 3 takes rank 0 ({1,3,5}); 4 adds rank 1 ({4}); 5 adds rank 2's best ({0}).
    @Test func topPicksTheLowestRankFirstThenFills() {
        let scores: [Float] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], labels = [Int32](repeating: 0, count: 6)
        let ranks = [2, 0, 2, 0, 1, 0]
        func pick(_ fraction: Double) -> [Int] {
            var rng = SeededRNG(seed: 1)
            return CoresetSelection.select(
                .top, scores: scores, labels: labels, classes: 1, fraction: fraction, classBalanced: true,
                preference: ranks, rng: &rng)
        }
        #expect(pick(0.5) == [1, 3, 5])
        #expect(pick(4.0 / 6) == [1, 3, 4, 5])
        #expect(pick(5.0 / 6) == [0, 1, 3, 4, 5])
        var rng = SeededRNG(seed: 1)
        let plain = CoresetSelection.select(
            .top, scores: scores, labels: labels, classes: 1, fraction: 0.5, classBalanced: true, rng: &rng)
        #expect(plain == [0, 1, 2], "without ranks: the three highest")
    }

    /// Class balance holds under preference: class 0 (even indices) has its rank-0 images at 0 and
    /// 2, class 1 none; each class still keeps half of its 4 images.
    @Test func preferenceKeepsEachClassShare() {
        let labels: [Int32] = [0, 1, 0, 1, 0, 1, 0, 1], scores: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        let ranks = [0, 2, 0, 2, 2, 2, 2, 2]
        var rng = SeededRNG(seed: 1)
        let chosen = CoresetSelection.select(
            .top, scores: scores, labels: labels, classes: 2, fraction: 0.5, classBalanced: true,
            preference: ranks, rng: &rng)
        #expect(chosen == [0, 2, 5, 7], "class 0: its two rank-0 images; class 1: its two highest")
    }

    /// Stratified: the hard cut drops the two highest (8, 9) from the whole pool first, so the
    /// rank-0 image 9 is gone; rank 0 then gives 0 and 1, and one more comes from rank 1 (2…7).
    @Test func stratifiedDropsTheHardShareBeforeThePreference() {
        let scores = (0..<10).map { Float($0) / 10 }, labels = [Int32](repeating: 0, count: 10)
        var ranks = [Int](repeating: 1, count: 10)
        for i in [0, 1, 9] { ranks[i] = 0 }
        var rng = SeededRNG(seed: 4)
        let chosen = CoresetSelection.select(
            .stratified, scores: scores, labels: labels, classes: 1, fraction: 0.3, classBalanced: true,
            hardCut: 0.2, preference: ranks, rng: &rng)
        #expect(chosen.count == 3 && chosen.prefix(2) == [0, 1] && (2...7).contains(chosen[2]))
    }

    @Test func pickOrderRotatesPerRedrawUnlessFree() {
        var c = CoresetConfig(fraction: 0.2)
        c.warmupEpochs = 1; c.redrawEpochs = 2
        #expect([1, 3, 5].map { c.pickOrder(widths: 3, epoch: $0) } == [[0, 1, 2], [0, 1, 2], [0, 1, 2]])
        c.overlap = .disjoint
        #expect(
            [1, 3, 5, 7].map { c.pickOrder(widths: 3, epoch: $0) } == [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]])
    }

    @Test func overlapDecodesAsFreeInOldRecipesAndExcludesShared() throws {
        let old = #"{"fraction":0.2,"selection":"stratified","statisticsRefreshBatches":20}"#
        #expect(try JSONDecoder().decode(CoresetConfig.self, from: Data(old.utf8)).overlap == .free)
        var c = CoresetConfig(fraction: 0.2)
        c.overlap = .fresh
        #expect(try JSONDecoder().decode(CoresetConfig.self, from: JSONEncoder().encode(c)) == c)
        c.shared = true
        #expect(failingField { try c.validate() } == .coresetOverlap)
        var shared = CoresetConfig(fraction: 0.2)
        shared.shared = true
        #expect(failingField { try shared.setOverlap(.disjoint) } == .coresetOverlap)
        #expect(failingField { try shared.setOverlap(.free) } == nil)
    }

    func draws(_ dir: String) throws -> (CoresetDraw, CoresetDraw) {
        (
            try CoresetDraw.read(from: CoresetDraw.path(runDirectory: dir, epoch: 1)),
            try CoresetDraw.read(from: CoresetDraw.path(runDirectory: dir, epoch: 3))
        )
    }

    /// `top`, 25% of 256 images (16 of each class of 64) for each of 3 widths: the subsets of a
    /// redraw are disjoint and class-balanced; the first picker (8-bit, then 4-bit at the second
    /// redraw) keeps its highest scores, the last one the highest of what the others left.
    @Test func disjointSubsetsAreDisjointBalancedAndFollowTheirScores() throws {
        var config = CoresetConfig(fraction: 0.25)
        config.selection = .top; config.overlap = .disjoint
        let dir = temporaryRunDirectory()
        try trainCoreset(config, dir: dir)
        let labels = coresetRecipe(config).1.train.labels
        let (first, second) = try draws(dir)
        for draw in [first, second] {
            #expect(Set(draw.subsets.joined()).count == 3 * 64, "pairwise disjoint")
            for subset in draw.subsets {
                #expect((0..<4).map { c in subset.filter { labels[$0] == c }.count } == [16, 16, 16, 16])
            }
        }
        func top(_ scores: [Float], excluding taken: [Int]) -> [Int] {
            var ranks = [Int](repeating: 0, count: scores.count), rng = SeededRNG(seed: 0)
            for i in taken { ranks[i] = 2 }
            return CoresetSelection.select(
                .top, scores: scores, labels: labels, classes: 4, fraction: 0.25, classBalanced: true,
                preference: ranks, rng: &rng)
        }
        #expect(first.subsets[0] == top(first.scores[0], excluding: []))
        #expect(first.subsets[2] == top(first.scores[2], excluding: first.subsets[0] + first.subsets[1]))
        #expect(second.subsets[1] == top(second.scores[1], excluding: []), "the second redraw starts at 4-bit")
        #expect(second.subsets[0] == top(second.scores[0], excluding: second.subsets[1] + second.subsets[2]))
        #expect(second.subsets[0] != top(second.scores[0], excluding: []), "the last picker gets leftovers")
    }

    /// `.fresh`: the first redraw covers 3 × 25%; the second redraw's first picker (4-bit) takes the
    /// 16 images of each class no width had, so the two redraws together cover every image (with no
    /// hard cut: the default one would drop some of those images from the whole class first).
    @Test func freshSubsetsCoverTheImagesThePreviousRedrawLeft() throws {
        var config = CoresetConfig(fraction: 0.25)
        config.overlap = .fresh; config.hardCut = 0
        let dir = temporaryRunDirectory()
        try trainCoreset(config, dir: dir)
        let (first, second) = try draws(dir)
        let left = Set(0..<256).subtracting(first.subsets.joined())
        #expect(left.count == 64 && Set(second.subsets[1]) == left)
        #expect(Set(second.subsets.joined()).count == 3 * 64)
    }

    /// A run stopped after the first redraw and resumed draws what an uninterrupted one does (the
    /// fresh rule reads the previous redraw back from RUN/coresets/) and ends with the same weights.
    @Test func resumedFreshRunDrawsTheSameSubsets() throws {
        var config = CoresetConfig(fraction: 0.25)
        config.overlap = .fresh
        let straight = temporaryRunDirectory(), resumed = temporaryRunDirectory()
        try trainCoreset(config, dir: straight)
        try trainCoreset(config, stopAfter: 2, dir: resumed)
        try trainCoreset(config, resume: true, dir: resumed)
        #expect(try draws(straight).1 == draws(resumed).1)
        let a = try Checkpoint.read(from: straight + "/checkpoint.h5"),
            b = try Checkpoint.read(from: resumed + "/checkpoint.h5")
        for (name, t) in a.parameters { #expect(t == b.parameters[name], "\(name) differs after resume") }
    }
}
