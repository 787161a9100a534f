import PolybitSearch
import Testing

/// A candidate with only accuracy and budget use mattering; `label` is kept in its weight bits.
func point(_ label: Int, accuracy: Double, use: Double) -> Candidate {
    Candidate(
        assignment: BitAssignment(weightBits: [label], activationBits: [label]), accuracy: accuracy,
        figures: CostFigures(perProfile: []), use: use)
}

@Suite struct CandidateTests {
    @Test func paretoFrontKeepsOnlyUndominatedPoints() {
        let points = [
            point(1, accuracy: 0.85, use: 0.6),  // dominated by 2 (more accurate, cheaper)
            point(2, accuracy: 0.90, use: 0.5),
            point(3, accuracy: 0.92, use: 0.9),  // dominated by 4 (as accurate, cheaper)
            point(4, accuracy: 0.92, use: 0.8),
            point(5, accuracy: 0.95, use: 1.2),
            point(6, accuracy: 0.70, use: 0.2),
            point(7, accuracy: 0.90, use: 0.5),  // identical to 2: the first is kept
        ]
        #expect(points.paretoFront().map { $0.assignment.weightBits[0] } == [6, 2, 4, 5])
        #expect([Candidate]().paretoFront().isEmpty)
    }

    /// The uniform pick: most accurate within budget, even when a narrower width beats a wider one.
    @Test func uniformPickFromAHandMadeTable() {
        // bits: (accuracy, energy µJ); 3 bits is more accurate than 4 on this table.
        let table: [(Int, Double, Double)] = [
            (2, 0.80, 20), (3, 0.91, 30), (4, 0.90, 40), (5, 0.93, 50), (8, 0.94, 80),
        ]
        func sweep(limit: Double) -> [Candidate] {
            let budgets = Budgets([Budget(kind: .energy_uJ, limit: limit)])
            return table.map { bits, acc, energy in
                let f = CostFigures(perProfile: [[.energy_uJ: energy]])
                return Candidate(
                    assignment: BitAssignment(weightBits: [bits], activationBits: [bits]), accuracy: acc,
                    figures: f, use: budgets.use(f))
            }
        }
        #expect(sweep(limit: 45).mostAccurateWithinBudget()?.assignment.uniformWidth == 3)
        #expect(sweep(limit: 50).mostAccurateWithinBudget()?.assignment.uniformWidth == 5)
        #expect(sweep(limit: 1000).mostAccurateWithinBudget()?.assignment.uniformWidth == 8)
        #expect(sweep(limit: 20).mostAccurateWithinBudget()?.assignment.uniformWidth == 2)
        #expect(sweep(limit: 19.9).mostAccurateWithinBudget() == nil, "impossible budget: nothing fits")
        // Ties in accuracy go to the cheaper point.
        #expect(
            [point(1, accuracy: 0.9, use: 0.9), point(2, accuracy: 0.9, use: 0.4)]
                .mostAccurateWithinBudget()?.assignment.weightBits == [2])
    }
}
