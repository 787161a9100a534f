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

/// How often one integer tensor's codes differ from the fake-quantized model's codes for the same
/// activation quantizer (the grid a conv/linear layer reads).
public struct LayerCodeAgreement: Sendable, Codable, Equatable {
    /// The integer model's tensor (layer output) that carries the quantizer's codes.
    public var tensor: String
    /// The fake-quantized model's activation quantizer.
    public var quantizer: String
    /// Codes compared (images × values per image).
    public var values: Int
    /// Fraction of codes that differ.
    public var mismatched: Double
    /// Largest |integer code − fake-quant code|.
    public var max_difference: Int
}

public enum ExportVerification {
    /// Runs `net` (fake quantization, evaluation mode, at its current precision) and the integer
    /// `model` on the first `limit` images of `data` (pixels in [0, 1]) and compares their top-1 classes.
    public static func compare(
        _ net: QuantizedNetwork, normalization: ChannelNormalization, model: IntegerModel,
        data: Dataset, limit: Int, config: SimulationConfig
    ) throws -> ExportAgreement {
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
        return ExportAgreement(
            images: test.count, top1_agreement: Double(same) / n,
            float_accuracy: Double(floatCorrect) / n, integer_accuracy: Double(intCorrect) / n)
    }

    /// Compares, tensor by tensor, the codes of every activation quantizer of `net` (fake
    /// quantization, evaluation mode, current precision; a ResNet or a ViT) with the integer tensor
    /// that carries it in the network's integer plan, on the first `limit` images of `data` (pixels in [0, 1]), in layer order. The first
    /// tensor with mismatches is where the two models part.
    public static func compareCodes(
        _ net: QuantizedNetwork, normalization: ChannelNormalization,
        model: IntegerModel, data: Dataset, limit: Int
    ) throws -> [LayerCodeAgreement] {
        let subset = data.prefix(min(limit, data.count))
        let test = normalization.apply(to: subset)
        var observed: [String: (Tensor, Float)] = [:]
        for q in net.activationQuantizers where q.bits != nil {
            let step = q.steps[q.bits!]!.value.storage[0]
            q.observer = { observed[q.name] = ($0, step) }
        }
        defer { for q in net.activationQuantizers { q.observer = nil } }
        let batch = BatchLoader.evaluation(test, batchSize: test.count).epoch(0).first { _ in true }!
        _ = net.model.forward(batch.images, training: false)

        let carrying: (String) -> String?
        if net.model is ViT {
            carrying = try ViTExporter.plan(of: net).tensor(carrying:)
        } else {
            carrying = try ResNetExporter.plan(of: net, inputShape: model.inputShape).tensor(carrying:)
        }
        let names = Dictionary(uniqueKeysWithValues: observed.keys.compactMap { q in carrying(q).map { ($0, q) } })
        let inputs = try InputSet(dataset: subset, model: model)
        let simulator = try IntegerSimulator(model: model, config: SimulationConfig(threads: 1))
        let (_, traces) = simulator.trace(images: inputs.images, count: inputs.count, layers: Set(names.keys))
        return traces.compactMap { t -> LayerCodeAgreement? in
            guard let quantizer = names[t.layer.name], let (y, step) = observed[quantizer] else { return nil }
            let n = inputs.count, perImage = t.output.count / max(1, n)
            // Float activations are CNHW ([C, N, H, W]) or [N, features]; integer tensors are NCHW.
            let channels = y.rank == 4 ? y.shape[0] : perImage
            let plane = perImage / max(1, channels)
            let zp = Int(t.layer.output.zeroPoint)
            var differing = 0, largest = 0
            for i in 0..<n {
                for c in 0..<channels {
                    for p in 0..<plane {
                        let f = y.rank == 4 ? y.storage[(c * n + i) * plane + p] : y.storage[i * channels + c]
                        let code = Int((f / step).rounded())
                        let d = abs(Int(t.output[(i * channels + c) * plane + p]) - zp - code)
                        if d != 0 { differing += 1; largest = max(largest, d) }
                    }
                }
            }
            return LayerCodeAgreement(
                tensor: t.layer.name, quantizer: quantizer, values: n * perImage,
                mismatched: Double(differing) / Double(max(1, n * perImage)),
                max_difference: largest)
        }
    }
}
