import PolybitSearch
import Testing

/// HASB's allocation on the toy problem of `GreedySearchTests` (bitops_G = Σ size · bits over
/// weight sizes [1, 2, 8] and activation sizes [1, 4]; all at 2 bits costs 32), worked by hand.
@Suite struct HessianAllocationTests {
    /// Sensitivities: weights a, b, c = 4, 0.5, 0.1; activations [a, c] = 4.1 and [b] = 0.5 (the
    /// sums of their readers). Gain per added use, budget 40: raising activation unit [a, c] gives
    /// 4.1 per cost unit, weight a 4, the others at most 0.5. So [a, c] climbs 2 → 3 → 4 → 5 → 6
    /// (cost 36), then 6 → 8 (8.2 for 2, still ahead of a's 4 for 1; cost 38); then weight a
    /// 2 → 3 → 4 (cost 40); every further raise breaks the budget.
    @Test func bitsGoToTheMostSensitiveUnitsPerCost() throws {
        let toy = ToyProblem()
        let a = try HessianAllocation.run(
            space: toy.space, weightSensitivity: toy.weightSensitivity,
            budgets: Budgets([Budget(kind: .bitops_G, limit: 40)]), figures: toy.figures)
        #expect(a == BitAssignment(weightBits: [4, 2, 2], activationBits: [8, 2]))
        #expect(toy.figures(a).perProfile[0][.bitops_G] == 40)
    }

    /// A budget that only the lowest assignment meets leaves it there.
    @Test func aTightBudgetKeepsTheLowestWidths() throws {
        let toy = ToyProblem()
        let a = try HessianAllocation.run(
            space: toy.space, weightSensitivity: toy.weightSensitivity,
            budgets: Budgets([Budget(kind: .bitops_G, limit: 32.5)]), figures: toy.figures)
        #expect(a == toy.space.uniform(2))
    }
}
