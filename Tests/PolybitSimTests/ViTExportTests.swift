import PolybitData
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import Testing

/// A multi-bit ViT exported through `ViTExporter` follows its fake-quantized model.
@Suite struct ViTExportTests {
    init() { Compute.configure(threads: 2) }

    /// A small ViT quantized at `bits` with initialized steps, exported; its data and normalization.
    func exported(bits: Int) throws -> (QuantizedNetwork, ChannelNormalization, IntegerModel, Dataset) {
        var data = SyntheticDataset.make(count: 64, channels: 1, height: 8, width: 8, classes: 4, seed: 3)
        data.images = data.images.map { ($0 * 255).rounded() / 255 }
        let normalization = ChannelNormalization(mean: [128 / 255], std: [0.25])
        let vit = ViT(inputChannels: 1, height: 8, width: 8, classes: 4, patch: 4, dim: 16, depth: 2, heads: 2, seed: 4)
        let net = try QuantizedNetwork(model: vit, bitWidths: [bits], options: QuantizerOptions())
        net.set(.uniform(bits))
        let images = normalization.apply(to: data)
        let batch = BatchLoader.evaluation(images, batchSize: data.count).epoch(0).first { _ in true }!
        _ = vit.forward(batch.images, training: true)  // the first quantized forward sets the steps
        // Trained steps cover the LayerNorm/GELU/context range (±4) finely; the initial ones are coarse.
        for q in net.activationQuantizers { q.steps[bits]!.value.storage[0] = 4 / Float((1 << (bits - 1)) - 1) }
        let (model, _) = try ViTExporter.export(net, normalization: normalization, calibration: images)
        return (net, normalization, model, data)
    }

    @Test(arguments: [8, 4])
    func integerLogitsFollowTheFakeQuantizedModel(bits: Int) throws {
        let (net, normalization, model, data) = try exported(bits: bits)
        let batch = BatchLoader.evaluation(normalization.apply(to: data), batchSize: data.count).epoch(0).first { _ in
            true
        }!
        let float = net.model.forward(batch.images, training: false)
        let inputs = try InputSet(dataset: data, model: model)
        let out = try IntegerSimulator(model: model).run(images: inputs.images, count: inputs.count)
        let q = model.layers.last!.output
        let integer = out.outputs.map { q.scale * Double(Int($0) - q.zeroPoint) }
        let range = Double(float.storage.reduce(0) { max($0, abs($1)) })
        let worst = zip(integer, float.storage).map { abs($0 - Double($1)) }.max()!
        let agreement = try ExportVerification.compare(
            net, normalization: normalization, model: model, data: data, limit: 64, config: SimulationConfig())
        // Measured: 8 bits 3.3% of the range and every class the same; 4 bits (steps of 0.57, where one
        // code is a third of a LayerNorm output's spread) 26% and 92%.
        #expect(worst <= (bits == 8 ? 0.05 : 0.3) * range, "\(bits) bits: logits differ by \(worst) of \(range)")
        #expect(agreement.top1_agreement >= (bits == 8 ? 0.98 : 0.85), "\(agreement)")
    }

    /// `compareCodes` pairs every activation quantizer of the ViT with the integer tensor on its
    /// grid (the projection's input with the merged heads), and the first one (block 0's LayerNorm on
    /// the qkv input grid) has the fake-quantized model's codes but where the integer LayerNorm
    /// rounds across a code boundary.
    @Test(arguments: [8, 4])
    func layerCodesMatchFromTheFirstLayerNorm(bits: Int) throws {
        let (net, normalization, model, data) = try exported(bits: bits)
        let codes = try ExportVerification.compareCodes(
            net, normalization: normalization, model: model, data: data, limit: 64)
        let blocks = (0..<2).flatMap { b in
            ["norm1", "attn.merge", "norm2", "gelu"].map { "block\(b).\($0)" }
        }
        #expect(codes.map(\.tensor) == blocks + ["norm"])
        #expect(Set(codes.map(\.quantizer)) == Set(net.activationQuantizers.map(\.name)))
        #expect(codes.allSatisfy { $0.values > 0 })
        let first = try #require(codes.first)
        #expect(first.max_difference <= 1 && first.mismatched < 0.01, "\(first)")
    }

    @Test func exportedModelHasThePlannedLayout() throws {
        let (_, _, model, _) = try exported(bits: 8)
        let shapes = try model.shapes()
        #expect(shapes["embed.proj"] == [16, 2, 2] && shapes["embed"] == [5, 16])
        #expect(shapes["block0.attn.scores"] == [2, 5, 5] && shapes["block1.fc1"] == [5, 32])
        #expect(shapes["head"] == [4])
        #expect(model.layers.filter { $0.op.name == "softmax" }.allSatisfy { $0.output.bits == 16 })
        let quantized = model.layers.filter {
            ["block0.norm1", "block0.attn.context", "block0.gelu", "norm"].contains($0.name)
        }
        #expect(quantized.count == 4 && quantized.allSatisfy { $0.output.bits == 8 && $0.output.signed })
    }
}
