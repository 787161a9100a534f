import Foundation
import PolybitData
import PolybitHDF5
import PolybitNN
import PolybitTensor

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

    public init(fraction: Double) { self.fraction = fraction }

    private enum CodingKeys: String, CodingKey {
        case fraction, redrawEpochs, warmupEpochs, score, classBalanced, shared, selection, hardCut
        case candidatePool, statisticsRefreshBatches
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
    }

    /// Sets `hardCut`; a `RecipeError` unless the selection is `.stratified` (the only rule that
    /// drops a hard share).
    public mutating func setHardCut(_ share: Double) throws {
        guard selection == .stratified else {
            throw RecipeError(.coresetHardCut, "applies to \(RecipeField.coresetSelection) stratified")
        }
        hardCut = share
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
        guard statisticsRefreshBatches >= 0 else {
            throw RecipeError(.coresetStatisticsRefreshBatches, "\(statisticsRefreshBatches): must not be negative")
        }
    }

    /// True when subsets are (re)drawn at the start of `epoch`.
    public func redraws(at epoch: Int) -> Bool {
        epoch >= warmupEpochs && (epoch - warmupEpochs) % redrawEpochs == 0
    }

    /// True when `epoch` trains on subsets (false during warm-up).
    public func usesSubsets(at epoch: Int) -> Bool { epoch >= warmupEpochs }
}

public enum EL2N {
    /// `‖softmax(logits_i) − onehot(y_i)‖₂` for each row of `[N, K]` logits.
    public static func scores(logits: Tensor, labels: [Int32]) -> [Float] {
        let p = softmaxRows(logits), k = logits.shape[1]
        return labels.indices.map { i in
            var s: Float = 0
            for j in 0..<k {
                let d = p.storage[i * k + j] - (j == Int(labels[i]) ? 1 : 0)
                s += d * d
            }
            return s.squareRoot()
        }
    }

    /// Scores of the samples of `data` at `indices` (default: all) under `model` in evaluation mode
    /// (no augmentation), one per sample of `data` with NaN for those not scored; `progress(done)`
    /// after each batch with the number of samples scored so far.
    public static func scores(
        of model: any ImageClassifier, on data: Dataset, indices: [Int]? = nil,
        batchSize: Int = 500, progress: (Int) -> Void = { _ in }
    ) -> [Float] {
        var out = [Float](repeating: .nan, count: data.count), done = 0
        for batch in BatchLoader.evaluation(data, batchSize: batchSize).epoch(0, subset: indices) {
            let s = scores(logits: model.forward(batch.images, training: false), labels: batch.labels)
            for (i, v) in zip(batch.indices, s) { out[i] = v }
            done += batch.count
            progress(done)
        }
        return out
    }
}

public enum CoresetSelection {
    /// How a subset is picked from its scores.
    public enum Rule: String, Codable, Sendable, CaseIterable {
        /// The highest scores (EMQ).
        case top
        /// Coverage-centric (CCS, Zheng et al., ICLR 2023): drop the `hardCut` share of highest
        /// scores, split the remaining score range into equal-width strata and draw the subset
        /// evenly across them at random (a stratum smaller than its share gives all it has).
        case stratified
    }

    /// Equal-width score strata of `.stratified`.
    public static let strata = 50

    /// The chosen indices in ascending order. Each pool (each class when `classBalanced`, else the
    /// whole set) keeps `round(fraction · its size)` (at least 1) of its scored samples; a NaN
    /// score marks a sample that was not a candidate. `rng` draws `.stratified`.
    public static func select(
        _ rule: Rule, scores: [Float], labels: [Int32], classes: Int, fraction: Double,
        classBalanced: Bool, hardCut: Double = 0, rng: inout SeededRNG
    ) -> [Int] {
        var chosen: [Int] = []
        for pool in pools(labels: labels, classes: classes, classBalanced: classBalanced) where !pool.isEmpty {
            let scored = pool.filter { !scores[$0].isNaN }
            let count = min(scored.count, size(of: pool.count, fraction: fraction))
            let ranked = scored.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            switch rule {
            case .top:
                chosen += ranked.prefix(count)
            case .stratified:
                let drop = min(Int(hardCut * Double(scored.count)), scored.count - count)
                chosen += stratifiedDraw(Array(ranked.dropFirst(drop)), count: count, scores: scores, rng: &rng)
            }
        }
        return chosen.sorted()
    }

    /// The samples a redraw scores, ascending: a uniformly random `round(pool · subset size)` of
    /// each pool (all of it when smaller).
    public static func candidates(
        labels: [Int32], classes: Int, fraction: Double, classBalanced: Bool,
        pool: Double, rng: inout SeededRNG
    ) -> [Int] {
        var chosen: [Int] = []
        for var members in pools(labels: labels, classes: classes, classBalanced: classBalanced) where !members.isEmpty
        {
            let take = min(members.count, Int((pool * Double(size(of: members.count, fraction: fraction))).rounded()))
            for t in 0..<take { members.swapAt(t, t + rng.nextInt(below: members.count - t)) }
            chosen += members.prefix(take)
        }
        return chosen.sorted()
    }

    /// The number of samples every subset of `select` holds.
    public static func subsetSize(labels: [Int32], classes: Int, fraction: Double, classBalanced: Bool) -> Int {
        pools(labels: labels, classes: classes, classBalanced: classBalanced)
            .reduce(0) { $0 + ($1.isEmpty ? 0 : size(of: $1.count, fraction: fraction)) }
    }

    static func size(of poolCount: Int, fraction: Double) -> Int {
        max(1, Int((fraction * Double(poolCount)).rounded()))
    }

    static func pools(labels: [Int32], classes: Int, classBalanced: Bool) -> [[Int]] {
        guard classBalanced else { return [Array(labels.indices)] }
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, y) in labels.enumerated() { byClass[Int(y)].append(i) }
        return byClass
    }

    /// `count` of `pool` spread over equal-width score strata: strata are filled smallest first,
    /// each taking an even share of the budget left (or all it has), chosen uniformly at random.
    static func stratifiedDraw(_ pool: [Int], count: Int, scores: [Float], rng: inout SeededRNG) -> [Int] {
        guard count < pool.count else { return pool }
        let values = pool.map { scores[$0] }
        let low = values.min()!, width = (values.max()! - low) / Float(strata)
        var bins = [[Int]](repeating: [], count: strata)
        for i in pool {
            bins[width > 0 ? min(strata - 1, Int((scores[i] - low) / width)) : 0].append(i)
        }
        let order = bins.indices.filter { !bins[$0].isEmpty }
            .sorted { bins[$0].count != bins[$1].count ? bins[$0].count < bins[$1].count : $0 < $1 }
        var budget = count, chosen: [Int] = []
        for (r, b) in order.enumerated() {
            // Invariant: the strata left hold at least `budget` samples, so the last one fills it.
            var members = bins[b]
            let take = min(members.count, budget / (order.count - r))
            for t in 0..<take { members.swapAt(t, t + rng.nextInt(below: members.count - t)) }
            chosen += members.prefix(take)
            budget -= take
        }
        return chosen
    }
}

/// The subsets of one redraw: for each trained precision its scores and chosen indices.
public struct CoresetDraw: Equatable {
    public var epoch: Int
    /// Precision names ("8-bit", "fp32"), highest first, as trained.
    public var precisions: [String]
    public var scores: [[Float]]
    public var subsets: [[Int]]

    public init(epoch: Int, precisions: [String], scores: [[Float]], subsets: [[Int]]) {
        self.epoch = epoch; self.precisions = precisions; self.scores = scores; self.subsets = subsets
    }

    /// `RUN/coresets/epoch<E>.h5`.
    public static func path(runDirectory: String, epoch: Int) -> String {
        runDirectory + "/coresets/epoch\(epoch).h5"
    }

    /// Writes `scores/<precision>` (float32 [N], NaN for images outside the candidate pool) and
    /// `subsets/<precision>` (int32 indices) with
    /// root attributes `epoch` and `precisions`, atomically.
    public func write(to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try HDF5File.writeAtomically(to: path) { f in
            try f.root.setAttribute("epoch", .int(epoch))
            try f.root.setAttribute("precisions", .strings(precisions))
            for (k, name) in precisions.enumerated() {
                try f.root.write("scores/" + name, scores[k], shape: [scores[k].count])
                try f.root.write("subsets/" + name, subsets[k].map { Int32($0) }, shape: [subsets[k].count])
            }
        }
    }

    public static func read(from path: String) throws -> CoresetDraw {
        let f = try HDF5File(path: path, mode: .readOnly)
        guard let epoch = try f.root.attribute("epoch").intValue,
            let names = try f.root.attribute("precisions").stringsValue
        else {
            throw InputError("\(path): not a coreset file (attributes epoch, precisions)")
        }
        return CoresetDraw(
            epoch: epoch, precisions: names,
            scores: try names.map { try f.root.read("scores/" + $0, as: Float.self).values },
            subsets: try names.map { try f.root.read("subsets/" + $0, as: Int32.self).values.map { Int($0) } })
    }
}
