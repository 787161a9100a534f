import Foundation
import PolybitData
import PolybitHDF5
import PolybitNN
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing

func temporaryRunDirectory() -> String {
    NSTemporaryDirectory() + "polybit-run-" + UUID().uuidString
}

/// A tiny recipe on synthetic 8×8 data that trains in well under a second per epoch.
func tinyRecipe(epochs: Int) -> (TrainingRecipe, DatasetSplits) {
    var r = TrainingRecipe()
    r.model = .resnet(depth: 8); r.dataset = "synthetic"; r.epochs = epochs; r.batch = 32; r.seed = 3
    r.learningRate = 0.05; r.cropPadding = 1
    let splits = SyntheticDataset.splits(train: 256, test: 128, channels: 1, height: 8, width: 8, classes: 4, seed: 5)
    return (r, splits)
}

/// Runs `recipe` on `splits` in `dir` without progress output, stopping after `stopAfter` epochs
/// when given.
@discardableResult
func trainQuietly(
    _ recipe: TrainingRecipe, _ splits: DatasetSplits, in dir: String, stopAfter: Int? = nil, resume: Bool = false
) throws -> TrainingSummary {
    let trainer = try Trainer(recipe: recipe, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false))
    trainer.stopAfterEpochs = stopAfter
    return try trainer.run(resume: resume)
}

/// The tiny recipe trained at {2, 4, 8} for 4 epochs with `coreset`.
func coresetRecipe(_ coreset: CoresetConfig) -> (TrainingRecipe, DatasetSplits) {
    var (r, splits) = tinyRecipe(epochs: 4)
    r.bits = widths("2,4,8")
    r.coreset = coreset
    return (r, splits)
}

/// `coresetRecipe(coreset)` trained in `dir` (see `trainQuietly`).
func trainCoreset(_ coreset: CoresetConfig, stopAfter: Int? = nil, resume: Bool = false, dir: String) throws {
    let (r, splits) = coresetRecipe(coreset)
    try trainQuietly(r, splits, in: dir, stopAfter: stopAfter, resume: resume)
}

/// The bit-widths `text` names (`2,4,8`, `2-8`, `32` for float).
func widths(_ text: String) -> BitWidthSet {
    try! BitWidthSet(parsing: text, flag: "widths")
}

/// The field of the `RecipeError` that `check` throws (nil: it throws none, or another error).
func failingField(_ check: () throws -> Void) -> RecipeField? {
    do { try check(); return nil } catch { return (error as? RecipeError)?.field }
}

@Suite(.serialized) struct TrainerTests {
    init() { Compute.configure(threads: 2) }

    @Test func tinyModelLearnsSyntheticData() throws {
        let (recipe, splits) = tinyRecipe(epochs: 6)
        let summary = try Trainer(
            recipe: recipe, splits: splits, runDirectory: temporaryRunDirectory(),
            progress: ProgressLine(enabled: false)
        ).run(resume: false)
        #expect(summary.epochs.count == 6)
        #expect(summary.epochs.last!.train_loss < summary.epochs.first!.train_loss)
        #expect(summary.final_test_accuracy > 0.6, "test accuracy \(summary.final_test_accuracy) on 4 classes")
    }

    /// In-place distillation trains every precision (losses fall) and changes what is learned.
    @Test func distillationTrainsAndChangesTheResult() throws {
        var (recipe, splits) = tinyRecipe(epochs: 3)
        recipe.bits = widths("2,8"); recipe.deployBits = widths("2,8")
        var distilled = recipe
        distilled.distillation = 1
        func train(_ r: TrainingRecipe) throws -> (TrainingSummary, [Float]) {
            let dir = temporaryRunDirectory()
            let summary = try Trainer(
                recipe: r, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false)
            )
            .run(resume: false)
            let ckpt = try Checkpoint.read(from: dir + "/checkpoint.h5")
            let (model, _) = try ckpt.instantiate(for: splits.test, extraBits: [], file: dir + "/checkpoint.h5")
            return (summary, model.weightedLayers[1].weight.value.storage)
        }
        let (withKD, weightsKD) = try train(distilled), (_, weightsPlain) = try train(recipe)
        for precision in ["2-bit", "8-bit"] {
            let first = withKD.epochs.first!.train_loss_by_precision![precision]!
            let last = withKD.epochs.last!.train_loss_by_precision![precision]!
            #expect(last < first, "\(precision): \(first) → \(last)")
        }
        #expect(weightsKD != weightsPlain)
        var single = recipe
        single.bits = widths("4"); single.distillation = 1
        #expect(failingField { try single.validate() } == .distillation)
    }

    /// A run stopped after epoch 2 and resumed ends with exactly the weights of an uninterrupted run.
    /// A checkpoint with statistics weight steps (the default) evaluates at a width it has no
    /// stored steps for: the steps follow the weights (this used to fail with "parameters/
    /// stem.conv.wstep12 is missing").
    @Test func statisticsStepsOfUnstoredWidthsAreRebuilt() throws {
        var (recipe, splits) = tinyRecipe(epochs: 1)
        recipe.bits = widths("2,4"); recipe.deployBits = widths("2,4")
        let dir = temporaryRunDirectory()
        _ = try Trainer(recipe: recipe, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false))
            .run(resume: false)
        let ckpt = try Checkpoint.read(from: dir + "/checkpoint.h5")
        #expect(ckpt.parameters["stem.conv.wstep12"] == nil)
        let (_, quantized) = try ckpt.instantiate(for: splits.test, extraBits: [12], file: dir + "/checkpoint.h5")
        let net = try #require(quantized)
        net.set(.uniform(12))
        let accuracy = Evaluator.evaluate(net.model, on: ckpt.normalization.apply(to: splits.test)).accuracy
        #expect(accuracy > 0.25)
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let (recipe, splits) = tinyRecipe(epochs: 4)
        let straightDir = temporaryRunDirectory(), resumedDir = temporaryRunDirectory()
        let straight = try Trainer(
            recipe: recipe, splits: splits, runDirectory: straightDir,
            progress: ProgressLine(enabled: false)
        ).run(resume: false)
        let first = try Trainer(
            recipe: recipe, splits: splits, runDirectory: resumedDir, progress: ProgressLine(enabled: false))
        first.stopAfterEpochs = 2
        _ = try first.run(resume: false)
        #expect(try Checkpoint.read(from: resumedDir + "/checkpoint.h5").epochsCompleted == 2)
        let resumed = try Trainer(
            recipe: recipe, splits: splits, runDirectory: resumedDir,
            progress: ProgressLine(enabled: false)
        ).run(resume: true)
        let a = try Checkpoint.read(from: straightDir + "/checkpoint.h5")
        let b = try Checkpoint.read(from: resumedDir + "/checkpoint.h5")
        #expect(a.parameters.keys.sorted() == b.parameters.keys.sorted())
        for (name, t) in a.parameters { #expect(t == b.parameters[name], "\(name) differs after resume") }
        for (name, t) in a.optimizerState { #expect(t == b.optimizerState[name], "optimizer \(name) differs") }
        #expect(resumed.epochs.map(\.test_accuracy) == straight.epochs.map(\.test_accuracy))
        #expect(try TrainingLog(runDirectory: resumedDir).records().count == 4)
    }

    @Test func existingRunIsNotOverwrittenWithoutResume() throws {
        let (recipe, splits) = tinyRecipe(epochs: 1)
        let dir = temporaryRunDirectory()
        _ = try Trainer(recipe: recipe, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false)).run(
            resume: false)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/checkpoint.h5"))
        #expect(throws: (any Error).self) {
            _ = try Trainer(recipe: recipe, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false))
                .run(resume: false)
        }
        var other = recipe
        other.learningRate = 0.5
        #expect(throws: (any Error).self) {
            _ = try Trainer(recipe: other, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false))
                .run(resume: true)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/checkpoint.h5")) == before)
    }

    /// Resume compares what a recipe trains, not how its bit-widths were spelled.
    @Test func recipeIdentityIgnoresEpochsAndBitWidthSpelling() throws {
        var a = TrainingRecipe()
        a.bits = widths("2,4,8")
        var b = a
        b.bits = widths("8,2,4"); b.deployBits = widths("2-8"); b.epochs = 3
        #expect(a.trainingIdentity() == b.trainingIdentity())
        b.deployBits = widths("2-7")
        #expect(a.trainingIdentity() != b.trainingIdentity())
        let float = TrainingRecipe()
        var explicitFloat = float
        explicitFloat.deployBits = widths("32")
        #expect(float.trainingIdentity() == explicitFloat.trainingIdentity())
    }

    @Test func checkpointIsReadableWithoutPolybitAndRejectsForeignFiles() throws {
        let (recipe, splits) = tinyRecipe(epochs: 1)
        let dir = temporaryRunDirectory()
        _ = try Trainer(recipe: recipe, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false)).run(
            resume: false)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "python3", "-c",
            """
            import h5py, json, sys
            f = h5py.File(sys.argv[1], 'r')
            r = json.loads(f.attrs['recipe'])
            print(f.attrs['format'], int(f.attrs['epochs_completed']), r['model'], f['parameters/stem.conv.weight'].shape)
            """, dir + "/checkpoint.h5",
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run(); p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "polybit-checkpoint 1 resnet8 (16, 1, 3, 3)")
        let foreign = dir + "/foreign.h5"
        try HDF5File.writeAtomically(to: foreign) { try $0.root.write("x", [Float(1)], shape: [1]) }
        do {
            _ = try Checkpoint.read(from: foreign)
            Issue.record("a foreign HDF5 file was accepted as a checkpoint")
        } catch let e as BadInput {
            #expect(e.description.contains("not a Polybit checkpoint"))
        }
    }
}
