import PolybitData
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor

extension ONNXTestModels {
    /// A tiny ResNet-8 (1×8×8 input, 4 classes) at `bits` bits with initialized steps and BatchNorm
    /// statistics, exported by `ResNetExporter` with its defaults (uint8 input with a zero point,
    /// 24-bit residual stream and logits, bias correction with bias fractions).
    static func exportedResNet8(bits: Int) throws -> IntegerModel {
        Compute.configure(threads: 2)
        var data = SyntheticDataset.make(count: 48, channels: 1, height: 8, width: 8, classes: 4, seed: 3)
        data.images = data.images.map { ($0 * 255).rounded() / 255 }
        let normalization = ChannelNormalization(mean: [128 / 255], std: [0.25])
        let net = ResNet(depth: 8, inputChannels: 1, classes: 4, seed: 2)
        let quantized = try QuantizedNetwork(model: net, bitWidths: [bits], options: QuantizerOptions())
        quantized.set(.uniform(bits))
        let batch = BatchLoader.evaluation(normalization.apply(to: data), batchSize: data.count).epoch(0).first { _ in
            true
        }!
        _ = net.forward(batch.images, training: true)  // sets the steps and BatchNorm statistics
        return try ResNetExporter.export(
            quantized, normalization: normalization, calibration: normalization.apply(to: data)
        ).0
    }
}
