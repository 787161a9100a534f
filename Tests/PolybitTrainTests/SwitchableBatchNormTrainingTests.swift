import Foundation
import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing

@Suite(.serialized) struct SwitchableBatchNormTrainingTests {
    init() { Compute.configure(threads: 2) }

    /// The tiny recipe trained on {2, 4} with switchable BatchNorm, deployed at 2, 3 and 4 bits.
    func switchableRecipe(epochs: Int) -> (TrainingRecipe, DatasetSplits) {
        var (recipe, splits) = tinyRecipe(epochs: epochs)
        recipe.bits = widths("2,4"); recipe.deployBits = widths("2-4"); recipe.batchNorm = .switchable
        return (recipe, splits)
    }

    /// Trains `recipe` in a fresh run folder; returns the folder.
    func train(_ recipe: TrainingRecipe, _ splits: DatasetSplits, stopAfter: Int? = nil) throws -> String {
        let dir = temporaryRunDirectory()
        let trainer = try Trainer(
            recipe: recipe, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false))
        trainer.stopAfterEpochs = stopAfter
        _ = try trainer.run(resume: false)
        return dir
    }

    /// The BatchNorm names of the recipe's model (`stem.bn`, `stage1.block0.bn1`, ...).
    func normNames(_ recipe: TrainingRecipe, _ splits: DatasetSplits) throws -> [String] {
        var shared = recipe
        shared.batchNorm = .shared
        return try ModelFactory.make(shared, for: splits.train).normLayers.map(\.name)
    }

    /// Training moves each width's gamma, beta and running statistics on its own.
    @Test func trainingChangesEachWidthsBatchNormIndependently() throws {
        let (recipe, splits) = switchableRecipe(epochs: 2)
        let ckpt = try Checkpoint.read(from: try train(recipe, splits) + "/checkpoint.h5")
        let names = try normNames(recipe, splits)
        #expect(names.count == 9)  // stem, two per block, two projections
        for name in names {
            #expect(ckpt.parameters[name + ".gamma"] == nil, "\(name) has no shared set")
            for field in ["gamma", "beta", "running_mean", "running_var"] {
                let two = ckpt.parameters["\(name).2bit.\(field)"], four = ckpt.parameters["\(name).4bit.\(field)"]
                #expect(two != nil && four != nil && two != four, "\(name).\(field): widths 2 and 4 differ")
            }
            #expect(ckpt.parameters[name + ".4bit.gamma"]!.storage.contains { $0 != 1 }, "\(name): gamma trained")
        }
    }

    /// The checkpoint restores every width's set exactly: restored parameters equal the stored
    /// ones, evaluation repeats the training log, and a resumed run equals an uninterrupted one.
    @Test func checkpointRoundTripRestoresEveryWidthsBatchNorm() throws {
        let (recipe, splits) = switchableRecipe(epochs: 2)
        let dir = try train(recipe, splits)
        let path = dir + "/checkpoint.h5"
        let ckpt = try Checkpoint.read(from: path)
        let test = ckpt.normalization.apply(to: splits.test)
        let (model, quantized) = try ckpt.instantiate(for: test, file: path)
        #expect(model.parameters.filter { $0.name.contains("bit.running_var") }.count == 18)
        for p in model.parameters { #expect(p.value == ckpt.parameters[p.name], "\(p.name) restored") }
        let logged = try TrainingLog(runDirectory: dir).records().last!.test_accuracy_by_precision!
        for (p, r) in Evaluator.evaluate(
            quantized!, at: [.uniform(4), .uniform(3), .uniform(2)], trained: [2, 4], on: test)
        {
            #expect(r.accuracy == logged[p.description], "\(p) after restoring")
        }

        let resumedDir = try train(recipe, splits, stopAfter: 1)
        _ = try Trainer(
            recipe: recipe, splits: splits, runDirectory: resumedDir, progress: ProgressLine(enabled: false)
        )
        .run(resume: true)
        let resumed = try Checkpoint.read(from: resumedDir + "/checkpoint.h5")
        #expect(resumed.parameters.keys.sorted() == ckpt.parameters.keys.sorted())
        for (name, t) in ckpt.parameters { #expect(t == resumed.parameters[name], "\(name) differs after resume") }
        for (name, t) in ckpt.optimizerState { #expect(t == resumed.optimizerState[name], "optimizer \(name) differs") }
    }

    /// An untrained width (3 bits) evaluates with the nearest trained width's set (ties between
    /// 2 and 4 go to 4): changing width 2's statistics leaves it alone, changing width 4's does not.
    @Test func untrainedWidthUsesTheNearestTrainedBatchNorm() throws {
        let (recipe, splits) = switchableRecipe(epochs: 2)
        let path = try train(recipe, splits) + "/checkpoint.h5"
        let ckpt = try Checkpoint.read(from: path)
        let test = ckpt.normalization.apply(to: splits.test)
        let (model, quantized) = try ckpt.instantiate(for: test, file: path)
        let net = try #require(quantized)
        func loss3() -> Double { Evaluator.evaluate(net, at: [.uniform(3)], trained: [2, 4], on: test)[0].1.loss }
        let before = loss3()
        #expect(model.normLayers.allSatisfy { $0.selectedBits == 4 })
        func shiftRunningMeans(of width: String) {
            for p in model.parameters where p.name.hasSuffix(".\(width).running_mean") {
                p.value = Tensor(shape: p.value.shape, storage: p.value.storage.map { $0 + 1 })
            }
        }
        shiftRunningMeans(of: "2bit")
        #expect(loss3() == before)
        shiftRunningMeans(of: "4bit")
        #expect(loss3() != before)
    }

    @Test func recipeFlagIsCheckedAndOldRecipesReadAsShared() throws {
        var (recipe, _) = tinyRecipe(epochs: 1)
        recipe.batchNorm = .switchable
        #expect(failingField { try recipe.validate() } == .batchNorm)  // float model
        recipe.bits = widths("4"); recipe.model = .vit
        #expect(failingField { try recipe.validate() } == .batchNorm)  // no BatchNorm
        recipe.model = .resnet(depth: 8)
        try recipe.validate()
        let stored = try JSONDecoder().decode(
            TrainingRecipe.self, from: Data(#"{"model": "resnet8", "bits": "2,4"}"#.utf8))
        #expect(stored.batchNorm == .shared)
        let roundTrip = try JSONDecoder().decode(TrainingRecipe.self, from: try JSONEncoder().encode(recipe))
        #expect(roundTrip == recipe)
    }
}
