/// Bidirectional greedy search over per-layer bit-widths (RFQuant, ALGORITHMS.md §7), with every
/// evaluation cached by assignment. Inference only: the accuracy function evaluates a fixed
/// network; nothing is retrained.
///
/// Down (while over budget), one move per iteration: every unit one width step down is
/// evaluated, and the move with the lowest RFQuant score J = 1.5·err/max err − saving/max saving
/// is applied (err = 1 − validation accuracy; saving = the drop in budget use from the current
/// assignment; both maxima over the iteration's candidates). RFQuant scores cost as
/// 1 − cost/max cost, which is nearly flat when one layer moves; the saving keeps its intent. Phase
/// 1 moves weight widths until the budget use is within 1/0.95 of the budget, phase 2 activation
/// widths until the budget holds (either kind once the other has no move left).
/// Up (once within budget): every unit one step up that still fits is evaluated, and the most
/// accurate is applied while it beats the current accuracy, so slack left by the down phase buys
/// accuracy back. No assignment is visited twice.
public struct GreedySearch {
    public let space: SearchSpace
    public let budgets: Budgets
    /// The most accuracy evaluations the search may make (cache hits are free).
    public let maxEvaluations: Int
    private let accuracyOf: (BitAssignment) throws -> Double
    private let figuresOf: (BitAssignment) throws -> CostFigures

    /// Every candidate evaluated so far, in evaluation order.
    public private(set) var evaluated: [Candidate] = []
    /// Accuracy evaluations made (one per distinct assignment).
    public var evaluations: Int { evaluated.count }
    /// Requests answered from the cache.
    public private(set) var cacheHits = 0
    private var cache: [BitAssignment: Candidate] = [:]
    private var figureCache: [BitAssignment: CostFigures] = [:]

    /// - Parameters: `accuracy` returns the validation accuracy (a fraction) of an assignment;
    ///   `figures` its costs. Both are called at most once per distinct assignment.
    public init(
        space: SearchSpace, budgets: Budgets, maxEvaluations: Int,
        accuracy: @escaping (BitAssignment) throws -> Double,
        figures: @escaping (BitAssignment) throws -> CostFigures
    ) {
        self.space = space; self.budgets = budgets; self.maxEvaluations = maxEvaluations
        self.accuracyOf = accuracy; self.figuresOf = figures
    }

    /// The candidate of `a`, evaluated once and then served from the cache.
    public mutating func candidate(_ a: BitAssignment) throws -> Candidate {
        if let c = cache[a] { cacheHits += 1; return c }
        let figures = try self.figures(a)
        let c = Candidate(assignment: a, accuracy: try accuracyOf(a), figures: figures, use: budgets.use(figures))
        cache[a] = c
        evaluated.append(c)
        return c
    }

    /// Adds an already evaluated candidate (e.g. from a uniform sweep) to the cache.
    public mutating func record(_ c: Candidate) {
        guard cache[c.assignment] == nil else { return }
        cache[c.assignment] = c
        figureCache[c.assignment] = c.figures
        evaluated.append(c)
    }

    /// Runs the search from `start` and returns the assignment it ends at (within budget unless
    /// the evaluation limit stopped the down phase or no move was left).
    public mutating func run(from start: BitAssignment) throws -> Candidate {
        var current = try candidate(start)
        var visited: Set<BitAssignment> = [start]
        var weightPhase = true
        // Down until the budget holds.
        while !current.fits && evaluations < maxEvaluations {
            if current.use <= 1 / 0.95 { weightPhase = false }
            var moves = space.neighbours(
                of: current.assignment, down: true, up: false,
                weights: weightPhase, activations: !weightPhase
            ).filter { !visited.contains($0) }
            if moves.isEmpty {
                moves = space.neighbours(
                    of: current.assignment, down: true, up: false, weights: true, activations: true
                )
                .filter { !visited.contains($0) }
            }
            let scored = try evaluate(moves)
            guard !scored.isEmpty else { break }
            let maxErr = max(scored.map { 1 - $0.accuracy }.max()!, 1e-12)
            let maxSaving = max(scored.map { current.use - $0.use }.max()!, 1e-12)
            current = scored.min { score($0, maxErr, maxSaving, current) < score($1, maxErr, maxSaving, current) }!
            visited.insert(current.assignment)
        }
        guard current.fits else { return current }
        // Up while a move that keeps the budget improves accuracy.
        while evaluations < maxEvaluations {
            var fitting: [BitAssignment] = []
            for a in space.neighbours(of: current.assignment, down: false, up: true, weights: true, activations: true)
            where !visited.contains(a) {
                if budgets.fit(try figures(a)) { fitting.append(a) }
            }
            guard let best = try evaluate(fitting).max(by: { $0.accuracy < $1.accuracy }),
                best.accuracy > current.accuracy
            else { break }
            visited.insert(best.assignment)
            current = best
        }
        return current
    }

    /// The costs of `a`, computed once.
    private mutating func figures(_ a: BitAssignment) throws -> CostFigures {
        if let f = figureCache[a] { return f }
        let f = try figuresOf(a)
        figureCache[a] = f
        return f
    }

    /// The candidates of `moves`, stopping early at the evaluation limit.
    private mutating func evaluate(_ moves: [BitAssignment]) throws -> [Candidate] {
        var out: [Candidate] = []
        for a in moves {
            guard cache[a] != nil || evaluations < maxEvaluations else { break }
            out.append(try candidate(a))
        }
        return out
    }

    /// J = 1.5·err/max err − saving/max saving (lower is better).
    private func score(_ c: Candidate, _ maxErr: Double, _ maxSaving: Double, _ current: Candidate) -> Double {
        1.5 * (1 - c.accuracy) / maxErr - (current.use - c.use) / maxSaving
    }
}
