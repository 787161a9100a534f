import ArgumentParser
import Foundation
import PolybitData
import PolybitQuant
import PolybitTensor
import PolybitTrain

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract:
            "Evaluate a checkpoint on the test split of its dataset (or another), or on its held-out validation split.")

    /// The images evaluated.
    enum Split: String, ExpressibleByArgument {
        case test
        /// The validation images the checkpoint's training held out (`train --validation`).
        case validation
    }

    @Option(help: "A checkpoint written by 'polybit train'.") var checkpoint: String
    @Option(help: "Dataset to evaluate on. [default: the checkpoint's]") var dataset: String?
    @Option(help: "Where the dataset's files are.") var dataDir: String?
    @Option(help: "test, or validation: the images the checkpoint's training held out (its own dataset only).")
    var split = Split.test
    @Option(help: "Use only the first N images of the split.") var limit: Int?
    @Option(
        help: "Bit-widths to evaluate a multi-bit checkpoint at (any of 2-16, 32 for float). [default: its deploy bits]"
    )
    var bits: String?
    @Option(
        help: ArgumentHelp(
            "Ablation: before each bit-width, re-estimate the BatchNorm statistics from N batches of 128 training images (the method needs no recalibration).",
            valueName: "N"))
    var recalibrateBn: Int?
    @Option(help: "Threads.") var threads = System.activeProcessorCount
    @Flag(help: "Print one JSON object.") var json = false

    struct Result: Encodable {
        var precision: String, accuracy: Double, loss: Double
    }

    struct Report: Encodable {
        var checkpoint: String, model: String, dataset: String, split: String, epochs_completed: Int, images: Int
        /// Batches of BatchNorm recalibration before each bit-width (nil: none, the method).
        var recalibration_batches: Int?
        var results: [Result]
    }

    func run() throws {
        Compute.configure(threads: threads)
        let ckpt = try Checkpoint.read(from: checkpoint)
        let name = dataset ?? ckpt.recipe.dataset
        // The checkpoint's own dataset keeps its held-out images out of the training split (recalibration).
        let own = name == ckpt.recipe.dataset
        let splits = try DatasetCatalog.load(
            name: name, dataDir: dataDir ?? (dataset == nil ? ckpt.recipe.dataDir : nil),
            validation: own ? ckpt.recipe.validation : .images(0), limit: limit)
        let test = ckpt.normalization.apply(to: try evaluated(splits, of: ckpt.recipe.dataset))
        let wanted = try bits.map { try BitWidthSet(parsing: $0, flag: "--bits") }
        let (model, quantized) = try ckpt.instantiate(for: test, extraBits: wanted?.bits ?? [], file: checkpoint)
        var recalibration: (data: Dataset, batches: Int)?
        if let n = recalibrateBn {
            guard n > 0 else { throw InputError("--recalibrate-bn \(n): expected a positive number of batches") }
            guard !model.normLayers.isEmpty else {
                throw InputError("--recalibrate-bn: \(ckpt.recipe.model) has no BatchNorm layers to recalibrate")
            }
            recalibration = (ckpt.normalization.apply(to: splits.train), n)
        }
        var results: [Result] = []
        if let quantized, let trained = ckpt.recipe.trainedBits() {
            let precisions = (wanted ?? ckpt.recipe.deployedBits()).precisionsHighestFirst
            for (p, r) in Evaluator.evaluate(
                quantized, at: precisions, trained: trained.bits, on: test,
                recalibration: recalibration)
            {
                results.append(Result(precision: p.description, accuracy: r.accuracy, loss: r.loss))
            }
        } else {
            if bits != nil { throw InputError("--bits: \(checkpoint) holds a float model (trained without --bits)") }
            if let recalibration {
                model.recalibrateBatchNorm(
                    with: BatchLoader.evaluation(recalibration.data, batchSize: 128).epoch(0)
                        .prefix(recalibration.batches).lazy.map(\.images))
            }
            let r = Evaluator.evaluate(model, on: test)
            results.append(Result(precision: "fp32", accuracy: r.accuracy, loss: r.loss))
        }
        let report = Report(
            checkpoint: checkpoint, model: ckpt.recipe.model.description, dataset: name,
            split: split.rawValue, epochs_completed: ckpt.epochsCompleted, images: test.count,
            recalibration_batches: recalibrateBn, results: results)
        if json {
            try printJSON(report)
        } else {
            let recalibrated = recalibrateBn.map { ", BatchNorm recalibrated on \($0) batches per bit-width" } ?? ""
            print(
                "\(ckpt.recipe.model) after \(ckpt.epochsCompleted) epochs on \(name) \(split.rawValue) (\(test.count) images\(recalibrated)):"
            )
            for r in results {
                print(
                    "  \(r.precision.padding(toLength: 7, withPad: " ", startingAt: 0)) accuracy \(String(format: "%.2f", 100 * r.accuracy))%  loss \(String(format: "%.4f", r.loss))"
                )
            }
        }
    }

    /// The images of `split`: the test split (already limited), or the first `--limit` held-out images.
    private func evaluated(_ splits: DatasetSplits, of trainedOn: String) throws -> Dataset {
        guard split == .validation else { return splits.test }
        if let dataset, dataset != trainedOn {
            throw InputError(
                "--split validation: \(checkpoint) held out images of \(trainedOn), not of --dataset \(dataset)")
        }
        guard let held = splits.validation else {
            throw InputError(
                "--split validation: \(checkpoint) was trained without a held-out validation split (train --validation)"
            )
        }
        return limit.map { held.prefix($0) } ?? held
    }
}
