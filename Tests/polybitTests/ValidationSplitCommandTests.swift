import Foundation
import PolybitData
import PolybitTrain
import Testing

/// `train` holds the validation split out of training and records it; `pick` and `eval --split
/// validation` use it; a checkpoint without one is refused unless asked for.
@Suite(.serialized) struct ValidationSplitCommandTests {
    static let tiny = [
        "--dataset", "synthetic", "--model", "resnet8", "--epochs", "1", "--batch", "32", "--bits", "2,4",
        "--threads", "2",
    ]

    /// Training sees only the images before the held-out ones: its input statistics (measured on
    /// the training split) are those of the first 100 images, not of all 6000.
    @Test func trainingNeverSeesTheHeldOutImages() throws {
        let dir = CLI.temporaryDirectory()
        let train = try CLI.run(["train", "--validation", "5900", "--out", dir + "/r"] + Self.tiny)
        #expect(train.status == 0, "\(train.stderr)")
        let ckpt = try Checkpoint.read(from: dir + "/r/checkpoint.h5")
        #expect(ckpt.recipe.validation == .images(5900))
        let full = try DatasetCatalog.load(name: "synthetic").train
        #expect(ckpt.normalization == ChannelNormalization(fitting: full.prefix(100)).roundedToPixelGrid())
        #expect(ckpt.normalization.std != ChannelNormalization(fitting: full).std)

        let auto = try CLI.run(["train", "--limit", "64", "--out", dir + "/auto"] + Self.tiny)
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(
            try Checkpoint.read(from: dir + "/auto/checkpoint.h5").recipe.validation == .images(1000),
            "the dataset's default is recorded as a count")
        let eval = try CLI.run([
            "eval", "--checkpoint", dir + "/auto/checkpoint.h5", "--split", "validation",
            "--limit", "50", "--bits", "4", "--json",
        ])
        #expect(eval.status == 0, "\(eval.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(report["split"] as? String == "validation" && report["images"] as? Int == 50)
        let foreign = try CLI.run([
            "eval", "--checkpoint", dir + "/auto/checkpoint.h5", "--split", "validation",
            "--dataset", "fashion-mnist",
        ])
        #expect(foreign.status == 2 && foreign.stderr.contains("--split validation: "), "\(foreign.stderr)")
    }

    /// A checkpoint without a held-out split (older versions, `--validation 0`): pick refuses in one
    /// line, and with --validation-from-training warns and uses the last training images.
    @Test func pickRefusesACheckpointWithoutASplitUnlessAsked() throws {
        let dir = CLI.temporaryDirectory()
        let checkpoint = dir + "/run/checkpoint.h5"
        let train = try CLI.run(["train", "--validation", "0", "--limit", "256", "--out", dir + "/run"] + Self.tiny)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(try Checkpoint.read(from: checkpoint).recipe.validation == .images(0))
        let pick = [
            "pick", "--checkpoint", checkpoint, "--profile", CLI.repository + "/hwprofiles/bitfusion.yaml",
            "--budget", "bitops_G=1000", "--search", "uniform", "--validation", "100", "--limit", "50",
            "--threads", "2", "--json",
        ]
        let refused = try CLI.run(pick)
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains("\(checkpoint): trained without a held-out validation split")
                && refused.stderr.contains("--validation-from-training"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "one line: \(refused.stderr)")

        let allowed = try CLI.run(pick + ["--validation-from-training"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("warning: \(checkpoint) was trained without a held-out validation split"))
        let report = try JSONSerialization.jsonObject(with: Data(allowed.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(report["validation_first_index"] as? Int == 5900 && report["validation_held_out"] as? Bool == false)
        #expect(report["validation_in_training"] as? Bool == false, "trained on the first 256 images only")
        let eval = try CLI.run(["eval", "--checkpoint", checkpoint, "--split", "validation"])
        #expect(eval.status == 2 && eval.stderr.contains("without a held-out validation split"), "\(eval.stderr)")
    }
}
