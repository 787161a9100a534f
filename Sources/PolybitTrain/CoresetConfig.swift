import Foundation

/// Bit-wise coreset sampling (EMQ): each trained precision trains on its own subset of the
/// training set, the highest-scoring `fraction` by an importance score computed at that precision,
/// redrawn every `redrawEpochs` after `warmupEpochs` of full data.
public struct CoresetConfig: Codable, Equatable, Sendable {
    /// How samples are ranked.
    public enum Score: String, Codable, Sendable, CaseIterable {
        /// `‖softmax(f_b(x)) − onehot(y)‖₂`, the norm of the loss gradient w.r.t. the logits.
        case el2n
        /// Random subsets of the same size (the baseline).
        case random
    }
    /// Fraction of the training set each precision keeps (1 − pruning rate), in (0, 1].
    public var fraction: Double
    public var redrawEpochs = 2
    public var warmupEpochs = 1
    public var score = Score.el2n
    /// Keep each class's share of the training set in every subset.
    public var classBalanced = true
    /// One subset (the highest precision's) for every precision instead of one each.
    public var shared = false
    /// How each subset is picked from its scores (`.stratified`: the paper's `.top` loses 12 points
    /// to random subsets at a pruning rate of 0.8; docs/results-coreset.md).
    public var selection = CoresetSelection.Rule.stratified
    /// With `.stratified`: the share of each pool's highest scores dropped first (likely mislabeled).
    public var hardCut = 0.1
    /// Candidates scored per redraw, as a multiple of the subset size: each class scores a random
    /// `candidatePool × its subset size` of its samples and selects among them (nil: score all).
    public var candidatePool: Double?
    /// After each subset epoch, refresh the BatchNorm running statistics with this many random
    /// training batches at the trained precisions (0: keep the statistics of the subsets, which a
    /// score-based subset skews; docs/results-coreset.md).
    public var statisticsRefreshBatches = 20
    /// How the widths' subsets of one redraw may overlap (`.free`: each width picks on its own).
    public var overlap = Overlap.free

    /// How much the subsets of the trained widths may share (the paper's bit-wise argument: what one
    /// width learns on its subset reaches the others through the shared weights, so subsets that
    /// differ cover more of the data).
    public enum Overlap: String, Codable, Sendable, CaseIterable {
        /// Each width selects from all candidates, independently of the others.
        case free
        /// The widths select in turn (first pick rotating across redraws), each from the images no
        /// earlier width of the redraw took, by its own scores and rule; only when a class has too
        /// few untaken images does a width fall back to taken ones (then overlap is minimal).
        case disjoint
        /// `.disjoint`, and among the untaken images first those in none of the previous redraw's
        /// subsets, so successive redraws cover new images.
        case fresh

        /// The preference rank (`CoresetSelection.select`) of an image an earlier width of the same
        /// redraw took: after every untaken one.
        static let takenRank = 2
    }

    public init(fraction: Double) { self.fraction = fraction }

    private enum CodingKeys: String, CodingKey {
        case fraction, redrawEpochs, warmupEpochs, score, classBalanced, shared, selection, hardCut
        case candidatePool, statisticsRefreshBatches, overlap
    }

    /// Decodes recipes written before a field existed with that field's default (and the behaviour
    /// of the time when `selection` (`.top`) or `statisticsRefreshBatches` (0) is missing).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(fraction: try c.decode(Double.self, forKey: .fraction))
        redrawEpochs = try c.decodeIfPresent(Int.self, forKey: .redrawEpochs) ?? redrawEpochs
        warmupEpochs = try c.decodeIfPresent(Int.self, forKey: .warmupEpochs) ?? warmupEpochs
        score = try c.decodeIfPresent(Score.self, forKey: .score) ?? score
        classBalanced = try c.decodeIfPresent(Bool.self, forKey: .classBalanced) ?? classBalanced
        shared = try c.decodeIfPresent(Bool.self, forKey: .shared) ?? shared
        selection = try c.decodeIfPresent(CoresetSelection.Rule.self, forKey: .selection) ?? .top
        hardCut = try c.decodeIfPresent(Double.self, forKey: .hardCut) ?? hardCut
        candidatePool = try c.decodeIfPresent(Double.self, forKey: .candidatePool)
        statisticsRefreshBatches = try c.decodeIfPresent(Int.self, forKey: .statisticsRefreshBatches) ?? 0
        overlap = try c.decodeIfPresent(Overlap.self, forKey: .overlap) ?? overlap
    }

    /// Sets `hardCut`; a `RecipeError` unless the selection is `.stratified` (the only rule that
    /// drops a hard share).
    public mutating func setHardCut(_ share: Double) throws {
        guard selection == .stratified else {
            throw RecipeError(.coresetHardCut, "applies to \(RecipeField.coresetSelection) stratified")
        }
        hardCut = share
    }

    /// Sets `overlap`; a `RecipeError` when all widths share one subset (`shared`).
    public mutating func setOverlap(_ rule: Overlap) throws {
        guard !shared || rule == .free else {
            throw RecipeError(
                .coresetOverlap, "\(rule.rawValue) needs a subset per width, not \(RecipeField.coresetShared)")
        }
        overlap = rule
    }

    /// Checks every setting; throws a `RecipeError` naming the field and what was expected.
    public func validate() throws {
        guard fraction > 0, fraction <= 1 else {
            throw RecipeError(.coresetFraction, "\(fraction): expected a fraction in (0, 1]")
        }
        guard redrawEpochs > 0 else {
            throw RecipeError(.coresetRedrawEpochs, "\(redrawEpochs): expected a positive number of epochs")
        }
        guard warmupEpochs >= 0 else {
            throw RecipeError(.coresetWarmupEpochs, "\(warmupEpochs): must not be negative")
        }
        guard hardCut >= 0, hardCut < 1 else {
            throw RecipeError(.coresetHardCut, "\(hardCut): expected a fraction in [0, 1)")
        }
        if let candidatePool, !(candidatePool >= 1) {
            throw RecipeError(
                .coresetCandidatePool, "\(candidatePool): expected a multiple of the subset size of at least 1")
        }
        if candidatePool != nil && score == .random {
            throw RecipeError(.coresetCandidatePool, "applies to scored subsets (\(RecipeField.coresetScore) el2n)")
        }
        if shared && overlap != .free {
            throw RecipeError(
                .coresetOverlap, "\(overlap.rawValue) needs a subset per width, not \(RecipeField.coresetShared)")
        }
        guard statisticsRefreshBatches >= 0 else {
            throw RecipeError(.coresetStatisticsRefreshBatches, "\(statisticsRefreshBatches): must not be negative")
        }
    }

    /// The number of redraws before the one at `epoch` (0 at the first).
    public func redrawIndex(at epoch: Int) -> Int { max(0, epoch - warmupEpochs) / redrawEpochs }

    /// The order in which the `widths` trained precisions (0: the highest) pick their subsets at the
    /// redraw of `epoch`: training order with `.free` overlap; otherwise rotated by one per redraw,
    /// so no width always picks from what the others left.
    public func pickOrder(widths: Int, epoch: Int) -> [Int] {
        let first = overlap == .free ? 0 : redrawIndex(at: epoch) % widths
        return (0..<widths).map { (first + $0) % widths }
    }

    /// True when subsets are (re)drawn at the start of `epoch`.
    public func redraws(at epoch: Int) -> Bool {
        epoch >= warmupEpochs && (epoch - warmupEpochs) % redrawEpochs == 0
    }

    /// True when `epoch` trains on subsets (false during warm-up).
    public func usesSubsets(at epoch: Int) -> Bool { epoch >= warmupEpochs }
}
