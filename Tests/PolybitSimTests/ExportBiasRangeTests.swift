import PolybitData
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import Testing

/// A folded bias beyond int32 accumulator units is an error naming the layer and channel; it used
/// to be clamped, and with `--integer-bias` the clamped (different) model was written.
@Suite struct ExportBiasRangeTests {
    init() { Compute.configure(threads: 2) }

    @Test(arguments: [true, false]) func biasBeyondInt32IsAnError(biasFraction: Bool) throws {
        let data = SyntheticDataset.make(count: 16, channels: 1, height: 8, width: 8, classes: 4, seed: 3)
        let normalization = ChannelNormalization(mean: [0.5], std: [0.25])
        let net = ResNet(depth: 8, inputChannels: 1, classes: 4, seed: 2)
        let quantized = try QuantizedNetwork(model: net, bitWidths: [16], options: QuantizerOptions())
        quantized.set(.uniform(16))
        let batch = BatchLoader.evaluation(normalization.apply(to: data), batchSize: data.count).epoch(0).first { _ in
            true
        }!
        _ = net.forward(batch.images, training: true)  // sets the steps and BatchNorm statistics
        var options = ExportOptions()
        options.biasFraction = biasFraction
        _ = try ResNetExporter.export(
            quantized, normalization: normalization, calibration: normalization.apply(to: data),
            options: options)
        // One accumulator unit at 16-bit weights and inputs is ~1e-9; a shift of 1e4 is ~1e13 units.
        quantized.layers.first { $0.name == "stage2.block0.conv1" }!.norm!.beta.value.storage[1] = 1e4
        #expect(throws: InputError.self) {
            do {
                _ = try ResNetExporter.export(
                    quantized, normalization: normalization,
                    calibration: normalization.apply(to: data), options: options)
            } catch let e as InputError {
                #expect(
                    e.message.hasPrefix("layer stage2.block0.conv1, channel 1: the folded bias is ")
                        && e.message.contains("beyond int32 at 16-bit weights"), "\(e.message)")
                throw e
            }
        }
    }
}
