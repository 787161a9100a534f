import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

/// Accuracy and loss of a model on a dataset.
public struct EvaluationResult: Sendable, Codable, Equatable {
    /// Top-1 accuracy as a fraction.
    public var accuracy: Double
    /// Mean cross-entropy.
    public var loss: Double
    public var images: Int
}

/// Runs a model in evaluation mode (running BatchNorm statistics, no augmentation).
public enum Evaluator {
    /// Top-1 accuracy and mean loss over `data`, in batches of `batchSize`.
    public static func evaluate(_ model: any ImageClassifier, on data: Dataset, batchSize: Int = 500)
        -> EvaluationResult
    {
        let loader = BatchLoader.evaluation(data, batchSize: batchSize)
        var correct = 0, loss = 0.0
        for batch in loader.epoch(0) {
            let r = crossEntropy(logits: model.forward(batch.images, training: false), labels: batch.labels)
            correct += r.correct
            loss += Double(r.loss) * Double(batch.count)
        }
        return EvaluationResult(
            accuracy: Double(correct) / Double(max(1, data.count)),
            loss: loss / Double(max(1, data.count)), images: data.count)
    }

    /// Evaluates a quantized network at each precision, untrained bit-widths with steps
    /// interpolated from `trained` (no fine-tuning). With `recalibration`, each precision first
    /// re-estimates the BatchNorm statistics (an ablation: the method needs none) from the first
    /// `batches` batches of 128 images of `data` in order, which changes the model's running
    /// statistics. Leaves the network at the last precision.
    public static func evaluate(
        _ net: QuantizedNetwork, at precisions: [Precision], trained: [Int],
        on data: Dataset, recalibration: (data: Dataset, batches: Int)? = nil
    )
        -> [(Precision, EvaluationResult)]
    {
        net.interpolateUntrainedSteps(trained: trained)
        return precisions.map { p in
            net.set(p)
            if let recalibration {
                let loader = BatchLoader.evaluation(recalibration.data, batchSize: 128)
                net.model.recalibrateBatchNorm(with: loader.epoch(0).prefix(recalibration.batches).lazy.map(\.images))
            }
            return (p, evaluate(net.model, on: data))
        }
    }
}
