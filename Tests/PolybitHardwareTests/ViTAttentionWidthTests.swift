import Foundation
import PolybitData
import PolybitHardware
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import Testing

/// `ExportOptions.attentionBits`: a ViT exported with its attention products' operands at 8 bits
/// runs on an 8-bit array with a special-function unit (tpu-v1.yaml); the default 16 does not, and
/// switching tpu-v1 to integer special functions changes both the simulated logits and the cost.
@Suite struct ViTAttentionWidthTests {
    init() { Compute.configure(threads: 2) }

    /// A small 8-bit ViT with initialized steps (as ViTExportTests builds it), exported with its
    /// attention operands at `attentionBits`; the network, the model and the (unnormalized) images.
    func exported(attentionBits: Int) throws -> (QuantizedNetwork, ChannelNormalization, IntegerModel, Dataset) {
        var data = SyntheticDataset.make(count: 64, channels: 1, height: 8, width: 8, classes: 4, seed: 3)
        data.images = data.images.map { ($0 * 255).rounded() / 255 }
        let normalization = ChannelNormalization(mean: [128 / 255], std: [0.25])
        let vit = ViT(inputChannels: 1, height: 8, width: 8, classes: 4, patch: 4, dim: 16, depth: 2, heads: 2, seed: 4)
        let net = try QuantizedNetwork(model: vit, bitWidths: [8], options: QuantizerOptions())
        net.set(.uniform(8))
        let images = normalization.apply(to: data)
        let batch = BatchLoader.evaluation(images, batchSize: data.count).epoch(0).first { _ in true }!
        _ = vit.forward(batch.images, training: true)  // the first quantized forward sets the steps
        for q in net.activationQuantizers { q.steps[8]!.value.storage[0] = 4 / 127 }
        var options = ExportOptions()
        options.attentionBits = attentionBits
        let (model, _) = try ViTExporter.export(
            net, normalization: normalization, calibration: images, options: options)
        return (net, normalization, model, data)
    }

    /// tpu-v1.yaml, with integer special functions when `integer`.
    func tpu(integer: Bool) throws -> HardwareProfile {
        var text = try String(contentsOfFile: Fixtures.profilePath("tpu-v1.yaml"), encoding: .utf8)
        if integer {
            let lines = text.components(separatedBy: "\n").filter { !$0.contains("special_function") }
            text = lines.joined(separator: "\n")
        }
        return try ProfileLoader.parse(yaml: text, file: "hwprofiles/tpu-v1.yaml")
    }

    @Test func attentionOperandsTakeTheChosenWidth() throws {
        let (net, normalization, model, data) = try exported(attentionBits: 8)
        for suffix in ["attn.qkv", "attn.q", "attn.k", "attn.v"] {
            let layer = model.layers.first { $0.name == "block1." + suffix }!
            #expect(layer.output.bits == 8 && layer.output.signed, "\(suffix)")
        }
        let softmax = model.layers.first { $0.name == "block0.attn.softmax" }!
        #expect(softmax.output.bits == 8 && !softmax.output.signed && softmax.output.scale == 1.0 / 256)
        // The rest of what training kept in float stays at 16 bits.
        #expect(model.layers.first { $0.name == "block0.attn.scores" }!.output.bits == 16)
        #expect(model.layers.first { $0.name == "block0.residual1" }!.output.bits == 16)
        let agreement = try ExportVerification.compare(
            net, normalization: normalization, model: model, data: data, limit: 64, config: SimulationConfig())
        #expect(agreement.top1_agreement >= 0.9, "\(agreement)")

        var bad = ExportOptions()
        bad.attentionBits = 1
        #expect(throws: InputError.self) { try ViTExporter.plan(of: net, options: bad) }
    }

    @Test func anEightBitUnitProfileRunsTheExportAndTheUnitChangesOutputsAndCost() throws {
        let unit = try tpu(integer: false), integer = try tpu(integer: true)
        #expect(unit.compute.specialFunctions == .unit && integer.compute.specialFunctions == .integer)
        let (_, _, wide, _) = try exported(attentionBits: ViTIntegerPlan.defaultAttentionBits)
        do {
            _ = try CostModel(profile: unit).cost(try wide.workloads())
            Issue.record("tpu-v1 costed 16-bit attention operands")
        } catch let e as InputError {
            #expect(e.description.contains("cannot run 16-bit"), "\(e.description)")
        }

        let (_, _, model, data) = try exported(attentionBits: 8)
        let inputs = try InputSet(dataset: data, model: model)
        func logits(_ p: HardwareProfile) throws -> [Int32] {
            let sim = try IntegerSimulator(model: model, config: SimulationConfig(profile: p, threads: 1))
            return sim.run(images: inputs.images, count: inputs.count).outputs
        }
        #expect(try logits(unit) != logits(integer))
        let work = try model.workloads()
        let (onUnit, onIntegers) = (try CostModel(profile: unit).cost(work), try CostModel(profile: integer).cost(work))
        #expect(onUnit.energy.totalPJ != onIntegers.energy.totalPJ)
        let softmax = { (c: NetworkCost) in c.layers.first { $0.name == "block0.attn.softmax" }!.energy.computePJ }
        #expect(softmax(onUnit) == 2 * 5 * 5 * unit.compute.specialFunctionEnergyPJ)
    }
}
