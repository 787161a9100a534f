import Foundation
import PolybitData
import PolybitHardware
import PolybitQuant
import PolybitSearch
import PolybitSim
import PolybitTensor
import PolybitTrain
import Testing

/// A hand-made problem: three weight units and two activation units, each with its own
/// sensitivity (accuracy lost per unit of 2^-bits) and size (cost per bit).
struct ToyProblem {
    let space = SearchSpace(
        weightUnits: ["a", "b", "c"], activationUnits: [["a", "c"], ["b"]],
        fixed: ["stem": .init(weight_bits: 8, activation_bits: nil)], widths: [2, 3, 4, 5, 6, 8])
    let weightSensitivity = [4.0, 0.5, 0.1], weightSize = [1.0, 2.0, 8.0]
    let activationSensitivity = [2.0, 0.2], activationSize = [1.0, 4.0]

    func accuracy(_ a: BitAssignment) -> Double {
        var loss = 0.0
        for (s, b) in zip(weightSensitivity, a.weightBits) { loss += s / pow(2, Double(b)) }
        for (s, b) in zip(activationSensitivity, a.activationBits) { loss += s / pow(2, Double(b)) }
        return 1 - loss
    }

    /// One profile; bitops_G = Σ size · bits.
    func figures(_ a: BitAssignment) -> CostFigures {
        let cost =
            zip(weightSize, a.weightBits).reduce(0) { $0 + $1.0 * Double($1.1) }
            + zip(activationSize, a.activationBits).reduce(0) { $0 + $1.0 * Double($1.1) }
        return CostFigures(perProfile: [[.bitops_G: cost]])
    }
}

/// Counts accuracy calls per assignment.
final class CallLog: @unchecked Sendable {
    var calls: [BitAssignment] = []
}

@Suite(.serialized) struct GreedySearchTests {
    init() { Compute.configure(threads: 2) }

    @Test func policyTiesActivationUnitsAndKeepsFixedLayers() {
        let toy = ToyProblem()
        let policy = toy.space.policy(BitAssignment(weightBits: [2, 3, 4], activationBits: [5, 6]))
        #expect(policy.layers["a"] == .init(weight_bits: 2, activation_bits: 5))
        #expect(policy.layers["c"] == .init(weight_bits: 4, activation_bits: 5))
        #expect(policy.layers["b"] == .init(weight_bits: 3, activation_bits: 6))
        #expect(policy.layers["stem"] == .init(weight_bits: 8, activation_bits: nil))
        #expect(policy.default == nil)
        let n = toy.space.neighbours(of: toy.space.uniform(8), down: true, up: true, weights: true, activations: false)
        #expect(
            n.count == 3 && n.allSatisfy { $0.weightBits.filter { $0 == 6 }.count == 1 }, "8 steps down to 6, not 7")
        #expect(
            toy.space.neighbours(of: toy.space.uniform(2), down: true, up: false, weights: true, activations: true)
                .isEmpty)
    }

    /// On a problem where one big layer barely matters, the search beats the best uniform width
    /// within budget, meets the budget, and never evaluates an assignment twice.
    @Test func greedyBeatsUniformWithinBudgetAndCaches() throws {
        let toy = ToyProblem()
        let log = CallLog()
        let budgets = Budgets([Budget(kind: .bitops_G, limit: 4.5 * 16)])  // between uniform 4 (64) and 5 (80)
        var search = GreedySearch(
            space: toy.space, budgets: budgets, maxEvaluations: 500,
            accuracy: {
                log.calls.append($0); return toy.accuracy($0)
            },
            figures: { toy.figures($0) })
        let sweep = try toy.space.widths.map { try search.candidate(toy.space.uniform($0)) }
        let uniform = try #require(sweep.mostAccurateWithinBudget())
        #expect(uniform.assignment == toy.space.uniform(4))
        let end = try search.run(from: toy.space.uniform(5))
        #expect(end.fits)
        let best = try #require(search.evaluated.mostAccurateWithinBudget())
        #expect(
            best.fits && best.accuracy > uniform.accuracy + 0.01,
            "mixed \(best.accuracy) vs uniform \(uniform.accuracy)")
        #expect(
            best.assignment.weightBits[0] > best.assignment.weightBits[2], "the sensitive small layer gets more bits")
        #expect(
            log.calls.count == search.evaluations && Set(log.calls).count == log.calls.count, "each assignment once")
        let hits = search.cacheHits
        _ = try search.candidate(toy.space.uniform(4))
        #expect(search.cacheHits == hits + 1 && log.calls.count == search.evaluations)
        let front = search.evaluated.paretoFront()
        #expect(front.contains { $0.assignment == best.assignment })
        #expect(zip(front, front.dropFirst()).allSatisfy { $0.use < $1.use && $0.accuracy < $1.accuracy })
    }

    @Test func evaluationLimitIsRespected() throws {
        let toy = ToyProblem()
        var search = GreedySearch(
            space: toy.space, budgets: Budgets([Budget(kind: .bitops_G, limit: 40)]),
            maxEvaluations: 4, accuracy: { toy.accuracy($0) }, figures: { toy.figures($0) })
        let end = try search.run(from: toy.space.uniform(8))
        #expect(search.evaluations == 4)
        #expect(!end.fits)
    }

    /// The search on a tiny trained multi-bit ResNet-8, costed on BitFusion: the budget holds,
    /// every assignment is evaluated once, and a policy of one width evaluates as the uniform width.
    @Test func greedyOnATinyTrainedModel() throws {
        var recipe = TrainingRecipe()
        recipe.model = .resnet(depth: 8); recipe.dataset = "synthetic"; recipe.epochs = 2; recipe.batch = 32;
        recipe.seed = 3
        recipe.learningRate = 0.05; recipe.cropPadding = 1;
        recipe.bits = BitWidthSet(bits: [2, 4, 8], includesFloat: false)
        let splits = SyntheticDataset.splits(
            train: 256, test: 128, channels: 1, height: 8, width: 8, classes: 4, seed: 5)
        let dir = NSTemporaryDirectory() + "polybit-search-" + UUID().uuidString
        _ = try Trainer(recipe: recipe, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false)).run(
            resume: false)
        let ckpt = try Checkpoint.read(from: dir + "/checkpoint.h5")
        let widths = [2, 3, 4, 5, 6, 8]
        let (_, quantized) = try ckpt.instantiate(for: splits.train, extraBits: widths, file: dir)
        let net = try #require(quantized)
        let space = SearchSpace(network: net, widths: widths)
        #expect(
            space.weightUnits == [
                "stage1.block0.conv1", "stage1.block0.conv2", "stage2.block0.conv1", "stage2.block0.conv2",
                "stage2.block0.shortcut.conv", "stage3.block0.conv1", "stage3.block0.conv2",
                "stage3.block0.shortcut.conv",
            ])
        #expect(space.activationUnits.count == 6)
        #expect(space.activationUnits.contains(["stage2.block0.conv1", "stage2.block0.shortcut.conv"]))
        #expect(Set(space.fixed.keys) == ["stem.conv", "classifier"])

        let validation = ckpt.normalization.apply(to: splits.train.prefix(128))
        let log = CallLog()
        func accuracy(_ a: BitAssignment) -> Double {
            log.calls.append(a)
            net.set(space.policy(a))
            return Evaluator.evaluate(net.model, on: validation).accuracy
        }
        let profile = try ProfileLoader.load(
            path: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                    "hwprofiles/bitfusion.yaml"
                ).path)
        func figures(_ a: BitAssignment) throws -> CostFigures {
            net.set(space.policy(a))
            let layers = try ResNetExporter.plan(of: net, inputShape: [1, 8, 8]).workloads()
            return CostFigures([try CostModel(profile: profile).cost(layers)])
        }
        let e2 = try figures(space.uniform(2)).perProfile[0][.energy_uJ]!
        let e4 = try figures(space.uniform(4)).perProfile[0][.energy_uJ]!
        #expect(e2 < e4)
        let budgets = Budgets([Budget(kind: .energy_uJ, limit: (e2 + e4) / 2)])
        var search = GreedySearch(
            space: space, budgets: budgets, maxEvaluations: 200, accuracy: accuracy, figures: figures)
        let end = try search.run(from: space.uniform(4))
        #expect(end.fits, "use \(end.use)")
        #expect(log.calls.count == search.evaluations && Set(log.calls).count == log.calls.count)
        #expect(search.evaluations > 1 && search.evaluations < 200)

        // The all-4 policy runs exactly as the uniform 4-bit setting (shared BatchNorm).
        net.set(Precision.uniform(4))
        let uniform4 = Evaluator.evaluate(net.model, on: validation).accuracy
        #expect(try search.candidate(space.uniform(4)).accuracy == uniform4)
    }
}
