import Foundation
import PolybitData
import PolybitHDF5
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing

/// The recipe's residual path reaches the network, its quantizers' steps are checkpointed, and
/// checkpoints written before the option existed load as float-residual runs.
@Suite(.serialized) struct ResidualCheckpointTests {
    init() { Compute.configure(threads: 2) }

    /// Trains the tiny recipe at 2 and 8 bits with `residual` (nil: the recipe's default) for one
    /// epoch; returns the run folder's checkpoint path and the logged 2-bit test accuracy.
    static func train(residual: ResidualPath?) throws -> (path: String, accuracy2: Double, splits: DatasetSplits) {
        var (recipe, splits) = tinyRecipe(epochs: 1)
        recipe.bits = widths("2,8"); recipe.deployBits = widths("2,8")
        if let residual { recipe.residual = residual }
        let dir = temporaryRunDirectory()
        let summary = try Trainer(
            recipe: recipe, splits: splits, runDirectory: dir, progress: ProgressLine(enabled: false)
        ).run(resume: false)
        return (dir + "/checkpoint.h5", summary.epochs.last!.test_accuracy_by_precision!["2-bit"]!, splits)
    }

    /// The 2-bit test accuracy of the checkpoint at `path`, restored, and its quantized network.
    static func restored(_ path: String, _ splits: DatasetSplits) throws -> (Double, QuantizedNetwork) {
        let ckpt = try Checkpoint.read(from: path)
        let (_, quantized) = try ckpt.instantiate(for: splits.test, file: path)
        let net = try #require(quantized)
        net.set(.uniform(2))
        return (Evaluator.evaluate(net.model, on: ckpt.normalization.apply(to: splits.test)).accuracy, net)
    }

    @Test func newRunsQuantizeTheResidualAndRestoreExactly() throws {
        #expect(TrainingRecipe().residual == .bits(8), "new runs carry an 8-bit stream")
        let run = try Self.train(residual: .activation)
        let ckpt = try Checkpoint.read(from: run.path)
        #expect(ckpt.recipe.residual == .activation)
        for name in ["stage1.block0.residual.astep2", "stage3.block0.shortcut.astep8", "pool.input.astep2"] {
            #expect((ckpt.parameters[name]?.storage.first ?? 0) > 0, "\(name) is trained and stored")
        }
        let (accuracy, net) = try Self.restored(run.path, run.splits)
        #expect(net.residual == .activation)
        #expect(accuracy == run.accuracy2, "the restored network is the trained one")
    }

    @Test func wideResidualRoundTrips() throws {
        let run = try Self.train(residual: nil)
        #expect(try Checkpoint.read(from: run.path).recipe.residual == .bits(8))
        let (accuracy, net) = try Self.restored(run.path, run.splits)
        #expect(net.residual == .bits(8) && net.activationQuantizer(named: "stem.output")?.bits == 8)
        #expect(accuracy == run.accuracy2)
    }

    /// A checkpoint whose recipe has no `residual` key (written before the option) is a float
    /// residual run: it decodes as `.float` and restores to the network it trained.
    @Test func checkpointsWithoutTheKeyAreFloat() throws {
        let run = try Self.train(residual: .float)
        do {  // the file closes at the end of this scope
            let file = try HDF5File(path: run.path, mode: .readWrite)
            let json = try #require(try file.root.attribute("recipe").stringValue)
            var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(object.removeValue(forKey: "residual") as? String == "float")
            let old = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            try file.root.setAttribute("recipe", .string(old))
        }
        let ckpt = try Checkpoint.read(from: run.path)
        #expect(ckpt.recipe.residual == .float)
        let (accuracy, net) = try Self.restored(run.path, run.splits)
        #expect(net.residual == .float && net.activationQuantizer(named: "pool.input") == nil)
        #expect(accuracy == run.accuracy2)
    }
}
