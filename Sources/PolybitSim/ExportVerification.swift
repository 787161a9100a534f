import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

/// How closely an integer model follows the fake-quantized float model it was exported from.
public struct ExportAgreement: Sendable, Codable, Equatable {
    public var images: Int
    /// Fraction of images whose top-1 class is the same in both.
    public var top1_agreement: Double
    /// Top-1 accuracy of the fake-quantized float model and of the integer model.
    public var float_accuracy: Double
    public var integer_accuracy: Double
}

public enum ExportVerification {
    /// Runs `net` (fake quantization, evaluation mode, at its current precision) and the integer
    /// `model` on the first `limit` images of `data` (pixels in [0, 1]) and compares their top-1 classes.
    public static func compare(_ net: QuantizedNetwork, normalization: ChannelNormalization, model: IntegerModel,
                               data: Dataset, limit: Int, config: SimulationConfig) throws -> ExportAgreement {
        let test = normalization.apply(to: data.prefix(min(limit, data.count)))
        var floatTop1: [Int] = []
        for batch in BatchLoader.evaluation(test, batchSize: 500).epoch(0) {
            let logits = net.model.forward(batch.images, training: false)
            let k = logits.shape[1]
            logits.withUnsafeBufferPointer { p in
                for r in 0..<batch.count { floatTop1.append(Vec.argmax(k, p.baseAddress! + r * k)) }
            }
        }
        let inputs = try InputSet(dataset: data.prefix(test.count), model: model)
        let out = try IntegerSimulator(model: model, config: config).run(images: inputs.images, count: inputs.count)
        let intTop1 = out.argmax
        var same = 0, floatCorrect = 0, intCorrect = 0
        for i in 0..<test.count {
            let y = Int(test.labels[i])
            if floatTop1[i] == intTop1[i] { same += 1 }
            if floatTop1[i] == y { floatCorrect += 1 }
            if intTop1[i] == y { intCorrect += 1 }
        }
        let n = Double(max(1, test.count))
        return ExportAgreement(images: test.count, top1_agreement: Double(same) / n,
                               float_accuracy: Double(floatCorrect) / n, integer_accuracy: Double(intCorrect) / n)
    }
}
