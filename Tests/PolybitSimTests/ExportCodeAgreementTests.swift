import PolybitData
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import Testing

/// `ExportVerification.compareCodes` matches each activation quantizer with its integer tensor and
/// finds the layer where an integer model departs from the fake-quantized model.
@Suite struct ExportCodeAgreementTests {
    init() { Compute.configure(threads: 2) }

    /// A tiny 4-bit ResNet-8 with initialized steps and BatchNorm statistics, exported. Pixels are
    /// multiples of 1/255 and the mean is 128/255, so the uint8 input represents them exactly.
    func exported(
        options: QuantizerOptions = QuantizerOptions(), residual: ResidualPath = .float,
        export: ExportOptions = ExportOptions()
    ) throws -> (QuantizedNetwork, ChannelNormalization, IntegerModel, Dataset) {
        var data = SyntheticDataset.make(count: 48, channels: 1, height: 8, width: 8, classes: 4, seed: 3)
        data.images = data.images.map { ($0 * 255).rounded() / 255 }
        let normalization = ChannelNormalization(mean: [128 / 255], std: [0.25])
        let net = ResNet(depth: 8, inputChannels: 1, classes: 4, seed: 2)
        let quantized = try QuantizedNetwork(model: net, bitWidths: [4], options: options, residual: residual)
        quantized.set(.uniform(4))
        let batch = BatchLoader.evaluation(normalization.apply(to: data), batchSize: data.count).epoch(0).first { _ in
            true
        }!
        _ = net.forward(batch.images, training: true)  // first quantized forward sets the steps; BN statistics move
        let (model, _) = try ResNetExporter.export(
            quantized, normalization: normalization,
            calibration: normalization.apply(to: data), options: export)
        return (quantized, normalization, model, data)
    }

    /// Direct rounding and Double Rounding (4 bits derived from the 8-bit integers).
    @Test(arguments: [WeightRounding.direct, .double])
    func exportedCodesMatchLayerByLayer(rounding: WeightRounding) throws {
        var options = QuantizerOptions()
        options.weightRounding = rounding
        let (net, normalization, model, data) = try exported(options: options)
        let codes = try ExportVerification.compareCodes(
            net, normalization: normalization, model: model,
            data: data, limit: 32)
        #expect(codes.map(\.quantizer) == net.activationQuantizers.map(\.name))
        #expect(
            codes.map(\.tensor) == [
                "stage1.block0.input", "stage1.block0.conv1", "stage2.block0.input",
                "stage2.block0.conv1", "stage3.block0.input", "stage3.block0.conv1", "pool",
            ])
        #expect(codes.allSatisfy { $0.values > 0 })
        #expect(codes.allSatisfy { $0.mismatched < 0.002 }, "\(codes)")
    }

    /// On a quantized residual path every tensor training quantized is an integer tensor of the
    /// export on the same grid: no calibrated stream (only the logits), and the codes agree.
    @Test(arguments: [ResidualPath.activation, .bits(8)])
    func quantizedResidualPathsExportTheTrainedGrids(residual: ResidualPath) throws {
        let (net, normalization, model, data) = try exported(residual: residual)
        let codes = try ExportVerification.compareCodes(
            net, normalization: normalization, model: model, data: data, limit: 32)
        #expect(Set(codes.map(\.quantizer)) == Set(net.activationQuantizers.map(\.name)))
        #expect(codes.allSatisfy { $0.values > 0 && $0.mismatched < 0.002 }, "\(codes)")
        let wide = model.layers.filter { $0.output.bits > 8 }.map(\.name)
        #expect(wide == ["classifier"], "only the logits are wider than the stream: \(wide)")
        let requantizations = model.layers.filter { $0.name.hasSuffix(".input") }.count
        #expect(requantizations == (residual == .activation ? 0 : 3))
        let adds = model.layers.filter { $0.op.name == "add" }
        #expect(adds.allSatisfy { !$0.output.signed && $0.output.bits == (residual == .activation ? 4 : 8) })
        let agreement = try ExportVerification.compare(
            net, normalization: normalization, model: model, data: data, limit: 48, config: SimulationConfig())
        #expect(agreement.top1_agreement >= 0.95, "\(agreement)")
    }

    /// `ExportOptions.residualBits` sets the width of what training kept in float: a float
    /// residual stream and the logits.
    @Test func residualBitsWidenWhatTrainingKeptInFloat() throws {
        var options = ExportOptions()
        options.residualBits = 16
        let (_, _, model, _) = try exported(export: options)
        let wide = Set(model.layers.filter { $0.output.bits == 16 }.map(\.name))
        #expect(
            wide.isSuperset(of: ["stem.conv", "stage1.block0.conv2", "stage1.block0.add", "classifier"]), "\(wide)")
        #expect(!model.layers.contains { $0.output.bits == 24 })
    }

    /// Adding 3 output steps to one channel's bias of stage-2 conv1 leaves every earlier tensor as it
    /// was and makes that channel's codes differ.
    @Test func aCorruptedLayerIsWhereCodesPart() throws {
        let (net, normalization, model, data) = try exported()
        let clean = try ExportVerification.compareCodes(
            net, normalization: normalization, model: model,
            data: data, limit: 32)
        var corrupted = model
        let index = corrupted.layers.firstIndex { $0.name == "stage2.block0.conv1" }!
        guard case .conv(var layer) = corrupted.layers[index].op else { Issue.record("not a conv"); return }
        let unitsPerStep = 1 / Double(layer.requant.scale[0])
        layer.bias[0] += Int32((3 * unitsPerStep).rounded())
        corrupted.layers[index].op = .conv(layer)
        let codes = try ExportVerification.compareCodes(
            net, normalization: normalization, model: corrupted,
            data: data, limit: 32)
        let at = codes.firstIndex { $0.tensor == "stage2.block0.conv1" }!
        #expect(Array(codes[..<at]) == Array(clean[..<at]))
        let channels = Double(layer.weightShape[0])
        #expect(codes[at].mismatched > 0.5 / channels, "\(codes[at])")
        #expect(codes[at].max_difference >= 2)
    }
}
