/// An evaluated assignment: validation accuracy and cost against the budgets.
public struct Candidate: Sendable, Hashable {
    public var assignment: BitAssignment
    /// Top-1 accuracy on the validation split, as a fraction.
    public var accuracy: Double
    public var figures: CostFigures
    /// `Budgets.use(figures)`: at most 1 when every budget holds.
    public var use: Double

    public init(assignment: BitAssignment, accuracy: Double, figures: CostFigures, use: Double) {
        self.assignment = assignment; self.accuracy = accuracy; self.figures = figures; self.use = use
    }

    /// True when every budget holds.
    public var fits: Bool { use <= 1 }
}

extension Sequence where Element == Candidate {
    /// The most accurate candidate within budget (ties: the lower budget use), or nil when none fits.
    /// Over a uniform sweep this is the uniform pick of ALGORITHMS.md §7.
    public func mostAccurateWithinBudget() -> Candidate? {
        filter(\.fits).min { ($0.accuracy, -$0.use) > ($1.accuracy, -$1.use) }
    }

    /// The candidates no other one beats on both axes (at least as accurate and at most as costly,
    /// better on one), by budget use ascending; of identical points the first is kept.
    public func paretoFront() -> [Candidate] {
        let sorted = self.enumerated().sorted {
            ($0.element.use, -$0.element.accuracy, $0.offset) < ($1.element.use, -$1.element.accuracy, $1.offset)
        }
        var front: [Candidate] = []
        for (_, c) in sorted where front.last.map({ c.accuracy > $0.accuracy }) ?? true {
            front.append(c)
        }
        return front
    }
}
