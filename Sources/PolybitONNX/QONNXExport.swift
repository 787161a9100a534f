import Foundation
import PolybitSim

/// Converts an `IntegerModel` into QONNX, the ONNX dialect that FINN and hls4ml read: standard
/// float operators plus `Quant` nodes (domain `qonnx.custom_op.general`) that carry each tensor's
/// bit width, signedness and rounding.
///
/// Every tensor of the graph is float32 holding integers: the graph input holds the model's input
/// codes `q`, inner tensors hold the centered codes `q − zp`, weights and accumulators their
/// integers. Each weight tensor passes a `Quant` node (scale 1, zero point 0, its bit width); each
/// requantization is `Mul` by Polybit's float32 scale, then `Quant` (scale 1, `ROUND` = half to
/// even, the output's bit width and range): `polybit simulate --requant onnx` step for step. The
/// graph is therefore exact wherever float32 sums of integers are, i.e. while every partial sum
/// stays below 2^24 (bias-corrected totals are formed in float64 and cast once, as the simulator
/// casts them); `floatExactness` bounds each layer's sums from its weights and input range, and the
/// layer's metadata entry records `float_exact=1` or `0`. The real scales are in the
/// metadata, as in the ONNX export (docs/onnx.md, "QONNX").
public enum QONNXExport {
    /// The operator domain of QONNX's custom nodes.
    public static let domain = "qonnx.custom_op.general"
    /// Float32 and float64 represent every integer of magnitude up to 2^24 and 2^53 exactly.
    static let float32Limit = Double(1 << 24), float64Limit = Double(1 << 53)

    /// The serialized QONNX model of `model`; `metadata` entries join the per-layer ones. Throws
    /// `IntegerModelError` naming `file` for a model whose shapes do not work out.
    public static func serialize(_ model: IntegerModel, metadata: [String: String] = [:], file: String = "<memory>")
        throws -> Data
    {
        let exact = try floatExactness(model, file: file)
        var entries = ONNXExport.layerMetadata(model, codeOffset: false)
        entries["polybit.arithmetic"] =
            "polybit simulate --requant onnx, in float32 tensors of integers (inner tensors hold q - zero_point); "
            + "exact on every layer with float_exact=1"
        for (name, isExact) in exact { entries["polybit.layer." + name]! += " float_exact=\(isExact ? 1 : 0)" }
        return try ONNXExport.serialized(
            graph: try graph(model, file: file), opsets: ["": ONNXExport.opset, domain: 1],
            metadata: entries.merging(metadata) { _, given in given })
    }

    /// Writes `serialize(model, …)` to `path` (through a temporary file, renamed into place).
    public static func write(
        _ model: IntegerModel, to path: String, metadata: [String: String] = [:], file: String = "<memory>"
    ) throws {
        try ONNXExport.writeAtomically(try serialize(model, metadata: metadata, file: file), to: path)
    }

    /// Per weighted or pooling layer: whether the graph's arithmetic is exact for any input (then
    /// the layer equals the simulator bit for bit): every float32 sum of integers below 2^24 in
    /// magnitude and every float64 one below 2^53. For centered inputs of magnitude at most `m`, a
    /// conv or linear channel `o` sums to at most `Σ_k |w_ok| · m` (plus `|bias_o|` without bias
    /// correction), its window sum to `K · m`, and a bias-corrected total to
    /// `2^F · (Σ_k |w_ok| · m + |bias_o|) + |Z_c,o| · K · m + |R_o|`; a pool's window sum to
    /// `window · m` (a global pool's is formed in float64 when it can pass 2^24).
    public static func floatExactness(_ model: IntegerModel, file: String = "<memory>") throws -> [String: Bool] {
        let shapes = try model.shapes(file: file)
        var quantization = [IntegerModel.inputName: model.input]
        var exact: [String: Bool] = [:]
        for layer in model.layers {
            let m = Double(quantization[layer.inputs[0]]!.maxCentered)
            let inputShape = shapes[layer.inputs[0]]!
            switch layer.op {
            case .conv(let w), .linear(let w):
                exact[layer.name] = isExact(w, maxInput: m)
            case .avgpool(let p, _):
                exact[layer.name] = Double(p.kernel.reduce(1, *)) * m < float32Limit
            case .globalAvgpool:
                exact[layer.name] = Double(inputShape.suffix(2).reduce(1, *)) * m < float64Limit
            default:
                break
            }
            quantization[layer.name] = layer.output
        }
        return exact
    }

    /// Whether every sum of `w`'s arithmetic stays within float32's (and, bias-corrected, float64's)
    /// exact integers for centered inputs of magnitude at most `m` (see `floatExactness`).
    private static func isExact(_ w: WeightedLayer, maxInput m: Double) -> Bool {
        let k = w.patchSize, corrected = w.zc != nil || w.biasFraction != nil || w.zcFractionBits > 0
        guard Double(k) * m < float32Limit else { return false }
        return (0..<w.outChannels).allSatisfy { o in
            let products = w.weights[(o * k)..<((o + 1) * k)].reduce(0.0) { $0 + Double(abs($1)) } * m
            let bias = Double(abs(w.bias[o]))
            guard corrected else { return products + bias < float32Limit }
            let zc = w.zc.map { Double(abs($0[o])) * Double(k) * m } ?? 0
            let fraction = w.biasFraction.map { Double(abs($0[o])) } ?? 0
            let total = Double(1 << w.zcFractionBits) * (products + bias) + zc + fraction
            return products < float32Limit && total < float64Limit
        }
    }

    /// The graph: float32 input `input` `[N, C, H, W]` holding the input codes, a `Quant` node that
    /// declares their width, `Sub` of the zero point, one group of nodes per layer, and output named
    /// after the last layer holding its codes (the zero point added back).
    static func graph(_ model: IntegerModel, file: String) throws -> Onnx_GraphProto {
        let shapes = try model.shapes(file: file)
        var b = ONNXGraphBuilder()
        let inputName = IntegerModel.inputName
        let declared = b.quant(
            inputName, model.input, zeroPoint: 0, prefix: inputName + "/declared", output: inputName + "/declared")
        var names = [
            inputName: b.node(
                "Sub", [declared, b.float(inputName + "/zp", [Float(model.input.zeroPoint)], dims: [])],
                inputName + "/centered")
        ]
        var quantization = [inputName: model.input]
        for layer in model.layers {
            let site = LayerSite(
                layer: layer, inputs: layer.inputs.map { names[$0]! },
                inputContainers: layer.inputs.map { ActivationContainer(quantization[$0]!) },
                inputShape: shapes[layer.inputs[0]]!, output: ActivationContainer(layer.output),
                outputName: layer.name + "/centered", file: file)
            names[layer.name] = try b.emitQONNX(site)
            quantization[layer.name] = layer.output
        }
        let last = model.layers.last!
        b.node(
            "Add", [names[last.name]!, b.float(last.name + "/zp", [Float(last.output.zeroPoint)], dims: [])],
            last.name)
        var g = Onnx_GraphProto()
        g.name = "polybit-qonnx"
        g.node = b.nodes
        g.initializer = b.initializers
        g.input = [ONNXExport.valueInfo(inputName, .float, model.inputShape)]
        g.output = [ONNXExport.valueInfo(last.name, .float, shapes[last.name]!)]
        return g
    }
}
