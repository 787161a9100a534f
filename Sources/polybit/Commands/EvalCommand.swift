import ArgumentParser
import Foundation
import PolybitData
import PolybitTensor
import PolybitTrain

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on the test split of its dataset (or another).")

    @Option(help: "A checkpoint written by 'polybit train'.") var checkpoint: String
    @Option(help: "Dataset to evaluate on. [default: the checkpoint's]") var dataset: String?
    @Option(help: "Where the dataset's files are.") var dataDir: String?
    @Option(help: "Use only the first N test images.") var limit: Int?
    @Option(help: "Threads.") var threads = System.activeProcessorCount
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Encodable {
        var checkpoint: String, model: String, dataset: String, epochs_completed: Int
        var accuracy: Double, loss: Double, images: Int
    }

    func run() throws {
        Compute.configure(threads: threads)
        let ckpt = try Checkpoint.read(from: checkpoint)
        let name = dataset ?? ckpt.recipe.dataset
        let splits = try DatasetCatalog.load(name: name, dataDir: dataDir ?? (dataset == nil ? ckpt.recipe.dataDir : nil),
                                             limit: limit)
        let test = ckpt.normalization.apply(to: splits.test)
        guard test.channels == ckpt.normalization.mean.count else {
            throw InputError("\(checkpoint): trained on \(ckpt.normalization.mean.count)-channel images, \(name) has \(test.channels)")
        }
        let model = try ModelFactory.make(ckpt.recipe, for: test)
        try ckpt.restore(into: model, file: checkpoint)
        let r = Evaluator.evaluate(model, on: test)
        let report = Report(checkpoint: checkpoint, model: ckpt.recipe.model, dataset: name,
                            epochs_completed: ckpt.epochsCompleted, accuracy: r.accuracy, loss: r.loss, images: r.images)
        if json { try printJSON(report) } else {
            print("\(ckpt.recipe.model) after \(ckpt.epochsCompleted) epochs on \(name) test (\(r.images) images): "
                  + "accuracy \(String(format: "%.2f", 100 * r.accuracy))%, loss \(String(format: "%.4f", r.loss))")
        }
    }
}
