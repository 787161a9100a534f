import PolybitQuant
import PolybitTrain
import Testing

/// The arithmetic of `polybit experiment cost`, on hand-picked outcomes.
struct CostExperimentTests {
    /// Dedicated 2-bit (0.80, 100 s) and 4-bit (0.90, 150 s) runs make one arm of 250 s with mean
    /// 0.85; full data (0.82, 0.88; 125 s) is 2× faster, a coreset run of 50 s 5×. A dedicated
    /// run's accuracy at other widths is ignored, and a multi-bit mean covers only deployed widths.
    @Test func armsSumDedicatedTimeAndDivideIt() {
        let runs = [
            CostExperiment.RunOutcome(
                name: "dedicated-2bit", dedicatedWidth: 2, accuracy: ["2-bit": 0.80, "4-bit": 0.10], seconds: 100),
            .init(name: "dedicated-4bit", dedicatedWidth: 4, accuracy: ["4-bit": 0.90], seconds: 150),
            .init(name: "multibit-full", dedicatedWidth: nil, accuracy: ["2-bit": 0.82, "4-bit": 0.88], seconds: 125),
            .init(
                name: "multibit-coreset", dedicatedWidth: nil, accuracy: ["2-bit": 0.7, "4-bit": 0.8, "8-bit": 1],
                seconds: 50),
        ]
        let arms = CostExperiment.arms(runs, deployed: [2, 4])
        #expect(arms.map(\.name) == ["dedicated", "multibit-full", "multibit-coreset"])
        #expect(arms[0].accuracy == ["2-bit": 0.80, "4-bit": 0.90] && arms[0].seconds == 250)
        #expect(abs(arms[0].mean_accuracy - 0.85) < 1e-12 && arms[0].speedup_vs_dedicated == 1)
        #expect(abs(arms[1].mean_accuracy - 0.85) < 1e-12 && arms[1].speedup_vs_dedicated == 2)
        #expect(abs(arms[2].mean_accuracy - 0.75) < 1e-12 && arms[2].speedup_vs_dedicated == 5)
        #expect(arms[2].accuracy.keys.sorted() == ["2-bit", "4-bit"])
    }

    /// The plan: a dedicated run per deployed width, then full, coreset and random arms; the random
    /// arm stays the uniform baseline whatever the coreset's selection and overlap rules.
    @Test func planKeepsTheRandomArmUniform() throws {
        var base = TrainingRecipe()
        base.bits = BitWidthSet(bits: [2, 4], includesFloat: false); base.deployBits = base.bits
        var c = CoresetConfig(fraction: 0.2)
        c.overlap = .fresh; c.candidatePool = 2
        base.coreset = c
        let plan = try CostExperiment.plan(base: base, coresetFraction: 0.2)
        #expect(
            plan.map(\.name) == [
                "dedicated-2bit", "dedicated-4bit", "multibit-full", "multibit-coreset", "multibit-random",
            ])
        #expect(plan[0].recipe.coreset == nil && plan[2].recipe.coreset == nil)
        #expect(plan[3].recipe.coreset == c)
        let random = plan[4].recipe.coreset!
        #expect(random.score == .random && random.selection == .top && random.overlap == .free)
        #expect(random.candidatePool == nil)
    }
}
