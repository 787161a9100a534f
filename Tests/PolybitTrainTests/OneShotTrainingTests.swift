import Foundation
import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing

@Suite(.serialized) struct OneShotTrainingTests {
    init() { Compute.configure(threads: 2) }

    /// The tiny recipe trained one-shot over the candidates 2…4 with two subnets and distillation.
    static func oneShotRecipe(epochs: Int) -> (TrainingRecipe, DatasetSplits) {
        var (recipe, splits) = tinyRecipe(epochs: epochs)
        recipe.bits = widths("2-4"); recipe.deployBits = widths("2-4"); recipe.oneShot = true
        recipe.subnets = 2; recipe.distillation = 1; recipe.hasbImages = 64
        return (recipe, splits)
    }

    /// A stopped and resumed one-shot run equals an uninterrupted one (the subnets' widths come
    /// from the update index, HASB's probes from the epoch, the scheduler's decisions from the run
    /// folder; fairness regularisation on); 9 epochs put a scheduler decision at epoch 6, before the stop.
    @Test(arguments: [BitSampling.uniform, .hasb])
    func resumedRunEqualsUninterruptedRun(sampling: BitSampling) throws {
        var (recipe, splits) = Self.oneShotRecipe(epochs: 9)
        recipe.bitSampling = sampling; recipe.bitScheduler = true; recipe.fairnessRegularization = true
        let straight = temporaryRunDirectory(), resumed = temporaryRunDirectory()
        let summary = try trainQuietly(recipe, splits, in: straight)
        try trainQuietly(recipe, splits, in: resumed, stopAfter: 8)
        try trainQuietly(recipe, splits, in: resumed, resume: true)
        let a = try Checkpoint.read(from: straight + "/checkpoint.h5")
        let b = try Checkpoint.read(from: resumed + "/checkpoint.h5")
        for (name, t) in a.parameters { #expect(t == b.parameters[name], "\(name) differs after resume") }
        let decisions =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: straight + "/bit-scheduler.json"))) as? [[String: Any]]
        #expect(decisions?.compactMap { $0["epoch"] as? Int } == [6])
        // ρ at epoch 6 of 9, cosine 0.5 → 0.2, of the 9 sampled layers.
        let share = BitWidthScheduler.dropShare(epoch: 6, epochs: 9)
        #expect((decisions?.first?["layers"] as? [String])?.count == Int(9 * share))
        #expect(summary.final_test_accuracy > 0.3, "it learns: \(summary.epochs.map(\.test_accuracy))")
    }

    /// A run folder whose scheduler file is not a decision list stops the run with an error naming it.
    @Test func unreadableSchedulerFileIsNamed() throws {
        var (recipe, splits) = Self.oneShotRecipe(epochs: 1)
        recipe.bitScheduler = true
        let dir = temporaryRunDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "{not json".write(toFile: dir + "/bit-scheduler.json", atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) { try trainQuietly(recipe, splits, in: dir) }
        do { try trainQuietly(recipe, splits, in: dir) } catch {
            #expect("\(error)".contains(dir + "/bit-scheduler.json"), "\(error)")
        }
    }

    /// Fairness regularisation changes what a one-shot run learns (2 bits is a candidate).
    @Test func fairnessRegularizationChangesTheWeights() throws {
        let (recipe, splits) = Self.oneShotRecipe(epochs: 1)
        var fair = recipe
        fair.fairnessRegularization = true
        let a = temporaryRunDirectory(), b = temporaryRunDirectory()
        try trainQuietly(recipe, splits, in: a)
        try trainQuietly(fair, splits, in: b)
        let name = "stage1.block0.conv1.weight"
        let plain = try Checkpoint.read(from: a + "/checkpoint.h5").parameters[name]
        let regularized = try Checkpoint.read(from: b + "/checkpoint.h5").parameters[name]
        #expect(plain != nil && plain != regularized)
    }

    /// The quantization-error loss pulls the weights toward the lowest candidate's grid: after a
    /// run with it (a large weight, so that 3 epochs show it), every sampled layer's mean squared
    /// distance to its 2-bit grid is below the same run's without it.
    @Test func quantizationErrorLossPullsWeightsToTheLowestGrid() throws {
        let (recipe, splits) = Self.oneShotRecipe(epochs: 3)
        var pulled = recipe
        pulled.quantizationError = 50
        let a = temporaryRunDirectory(), b = temporaryRunDirectory()
        try trainQuietly(recipe, splits, in: a)
        try trainQuietly(pulled, splits, in: b)
        let plain = try Self.gridDistances(a, splits), near = try Self.gridDistances(b, splits)
        #expect(!plain.isEmpty && plain.count == near.count)
        for (name, d) in plain { #expect(near[name]! < d, "\(name): \(near[name]!) vs \(d)") }
    }

    /// Each quantized layer's (but the stem's and classifier's) mean squared distance of its
    /// weights to their 2-bit grid points, in the run folder's final checkpoint.
    static func gridDistances(_ dir: String, _ splits: DatasetSplits) throws -> [String: Double] {
        let file = dir + "/checkpoint.h5"
        let checkpoint = try Checkpoint.read(from: file)
        let model = try checkpoint.instantiate(for: splits.train, file: file)
        var out: [String: Double] = [:]
        for l in model.quantized!.layers
        where l.name != ResNetTopology.stemName && l.name != ResNetTopology.classifierName {
            let w = l.layer.weight.value, form = l.weights.integerForm(w, bits: 2)
            out[l.name] =
                zip(w.storage, form.q).reduce(0.0) { $0 + pow(Double($1.0 - Float($1.1) * form.step), 2) }
                / Double(w.count)
        }
        return out
    }

    /// The rules: one-shot options need `oneShot`; one-shot needs two quantized candidates and no
    /// float, and no coreset; σ is a probability.
    @Test func validation() {
        var (recipe, _) = Self.oneShotRecipe(epochs: 1)
        #expect(failingField { try recipe.validate() } == nil)
        var r = recipe
        r.oneShot = false
        #expect(failingField { try r.validate() } == .subnets)
        r = recipe; r.bits = widths("2-4,32")
        #expect(failingField { try r.validate() } == .oneShot)
        r = recipe; r.bits = widths("4")
        r.deployBits = widths("4"); r.distillation = 0
        #expect(failingField { try r.validate() } == .oneShot)
        r = recipe; r.coreset = CoresetConfig(fraction: 0.5)
        #expect(failingField { try r.validate() } == .oneShot)
        r = recipe; r.hasbSigma = 1.5
        #expect(failingField { try r.validate() } == .hasbSigma)
        r = recipe; r.subnets = 0
        #expect(failingField { try r.validate() } == .subnets)
    }
}
