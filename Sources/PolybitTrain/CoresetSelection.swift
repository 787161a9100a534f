import PolybitTensor

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
    /// score marks a sample that was not a candidate. `rng` draws `.stratified`. With `preference`
    /// (one rank per sample, lower first; `CoresetConfig.Overlap`), the rule picks first among the
    /// pool's samples of the lowest rank, then fills what is left of the budget from the next rank,
    /// and so on; `.stratified` drops its hard share from the whole pool before.
    public static func select(
        _ rule: Rule, scores: [Float], labels: [Int32], classes: Int, fraction: Double,
        classBalanced: Bool, hardCut: Double = 0, preference: [Int]? = nil, rng: inout SeededRNG
    ) -> [Int] {
        var chosen: [Int] = []
        for pool in pools(labels: labels, classes: classes, classBalanced: classBalanced) where !pool.isEmpty {
            let scored = pool.filter { !scores[$0].isNaN }
            var budget = min(scored.count, size(of: pool.count, fraction: fraction))
            var ranked = scored.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            if rule == .stratified {
                ranked.removeFirst(min(Int(hardCut * Double(scored.count)), scored.count - budget))
            }
            for rank in Set(ranked.map { preference?[$0] ?? 0 }).sorted() where budget > 0 {
                let tier = ranked.filter { (preference?[$0] ?? 0) == rank }, take = min(budget, tier.count)
                switch rule {
                case .top: chosen += tier.prefix(take)
                case .stratified: chosen += stratifiedDraw(tier, count: take, scores: scores, rng: &rng)
                }
                budget -= take
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
