import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

/// Exports a quantized ViT at its current per-layer precisions as an integer model: the network's
/// `ViTIntegerPlan` filled with its numbers.
///
/// - Input: 8-bit unsigned covering the normalized pixel range (training fed float pixels).
/// - Each linear's input (LayerNorm outputs, attention context, GELU output) is stored on its
///   trained quantizer's grid at its bit-width; weights as `ResNetExporter.weightedLayer` exports
///   them (bias correction kept exact); the patch embedding becomes a `patch×patch` conv of stride
///   `patch`.
/// - Softmax, GELU and LayerNorm run I-BERT's integer approximations (`IntegerSoftmax`,
///   `IntegerGELU`, `IntegerLayerNorm`), so the integer model follows the fake-quantized one up to
///   their stated errors, not bit for bit.
/// - Tensors training kept in float (residual stream, linear outputs, attention scores, logits) are
///   `min(residualBits, 16)`-bit integers (LayerNorm reads the stream at ≤ 16 bits), the attention
///   products' operands (Q/K/V, probabilities) `attentionBits`-bit, with scales calibrated on
///   `calibration` images (max |value| × headroom; probabilities `2^−attentionBits`).
public enum ViTExporter {
    public static func export(
        _ net: QuantizedNetwork, normalization: ChannelNormalization, calibration: Dataset,
        options: ExportOptions = ExportOptions()
    ) throws -> (IntegerModel, ExportReport) {
        let plan = try self.plan(of: net, options: options)
        let vit = net.model as! ViT
        var values = Values(
            vit: vit, net: net, maxima: ViTCalibration.maxima(vit, on: calibration), normalization: normalization,
            options: options)
        let model = try plan.integerModel(values: &values, normalization: normalization)
        try model.validate(file: "exported model")
        return (model, values.report)
    }

    /// The integer plan of `net` at its current per-layer precisions, with `options`' widths of
    /// what training kept in float (`residualBits`, at most 16, and `attentionBits`).
    /// - Throws: `InputError` for a network that is not a ViT or runs some layer in float, or
    ///   `attentionBits` outside `ViTIntegerPlan.attentionBitsRange`.
    public static func plan(
        of net: QuantizedNetwork, options: ExportOptions = ExportOptions()
    ) throws -> ViTIntegerPlan {
        guard let vit = net.model as? ViT else {
            throw InputError("the ViT exporter supports ViT models; \(net.model.architecture) is not one")
        }
        let range = ViTIntegerPlan.attentionBitsRange
        guard range.contains(options.attentionBits) else {
            throw InputError(
                "attention bits \(options.attentionBits): expected \(range.lowerBound)...\(range.upperBound)")
        }
        for l in net.layers where l.weights.bits == nil || (l.input != nil && l.input!.bits == nil) {
            throw InputError(
                "layer \(l.name) runs in float at this precision; an integer model needs every layer quantized")
        }
        let byName = Dictionary(uniqueKeysWithValues: net.layers.map { ($0.name, $0) })
        let floatBits = min(options.residualBits, ViTIntegerPlan.defaultFloatBits)
        return ViTIntegerPlan(topology: vit.topology, floatBits: floatBits, attentionBits: options.attentionBits) {
            let l = byName[$0]!
            return Precision(weightBits: l.weights.bits, activationBits: l.input?.bits)
        }
    }

    /// A trained ViT's numbers for its plan.
    struct Values: ViTPlanValues {
        let vit: ViT
        let byName: [String: QuantizedLayer]
        let quantizers: [String: ActivationQuantizer]
        let maxima: [String: Double]
        let normalization: ChannelNormalization
        let options: ExportOptions
        var report = ExportReport(calibrated_max: [:], flipped_channels: 0, clamped_weights: 0)

        init(
            vit: ViT, net: QuantizedNetwork, maxima: [String: Double], normalization: ChannelNormalization,
            options: ExportOptions
        ) {
            self.vit = vit
            byName = Dictionary(uniqueKeysWithValues: net.layers.map { ($0.name, $0) })
            quantizers = Dictionary(uniqueKeysWithValues: net.activationQuantizers.map { ($0.name, $0) })
            self.maxima = maxima; self.normalization = normalization; self.options = options
            report.calibrated_max = maxima
        }

        func quantization(of t: ViTIntegerPlan.Tensor) throws -> Quantization {
            switch t.scale {
            case .input:
                return ResNetExporter.inputQuantization(normalization)
            case .probability:
                return Quantization(bits: t.bits, signed: false, scale: 1 / Double(1 << t.bits), zeroPoint: 0)
            case .calibrated(let key):
                let qmax = Double((1 << (t.bits - 1)) - 1)
                return Quantization(
                    bits: t.bits, signed: true, scale: max(maxima[key] ?? 1, 1e-6) * options.headroom / qmax,
                    zeroPoint: 0)
            case .quantizer(let name):
                guard let q = quantizers[name] else {
                    throw InputError("the network has no quantized activation \(name), which its integer model needs")
                }
                return try q.trainedGrid(storedBits: t.bits, signed: t.signed)
            }
        }

        mutating func weightedLayer(
            _ name: String, geometry g: ResNetIntegerPlan.Weighted, input: Quantization, output: Quantization
        ) throws -> WeightedLayer {
            var w = try ResNetExporter.weightedLayer(
                byName[name]!, input: input, output: output, options: options, report: &report)
            if g.kernel > 0 {  // the patch embedding: its [D, C·p·p] rows are [D, C, p, p] kernels
                w.weightShape = g.weightShape
                w.stride = [g.stride, g.stride]
            }
            return w
        }

        func layerNorm(
            _ name: String, features: Int, input: Quantization, output: Quantization
        ) throws -> LayerNormParameters {
            let ln: LayerNorm
            if name == ViTTopology.normName {
                ln = vit.norm
            } else {
                let block = vit.blocks[Int(name.dropFirst("block".count).prefix { $0.isNumber })!]
                ln = name.hasSuffix(".norm1") ? block.norm1 : block.norm2
            }
            return LayerNormParameters(
                gamma: ln.gamma.value.storage, beta: ln.beta.value.storage, epsilon: Double(ln.epsilon),
                outputScale: output.scale)
        }

        func tokenEmbedding(tokens: Int, dim: Int, input: Quantization, output: Quantization) throws -> TokenEmbedding {
            var reals = vit.embedding.positions.value.storage
            for j in 0..<dim { reals[j] += vit.embedding.classToken.value.storage[j] }
            return TokenEmbedding(reals: reals, dim: dim, input: input, output: output)
        }
    }
}
