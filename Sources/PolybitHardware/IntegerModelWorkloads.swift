import PolybitSim

extension IntegerModel {
    /// The cost model's view of this integer model: one workload per layer that computes
    /// (conv, linear, add, pooling, requantization), with the bit-widths the file stores.
    /// Shape-only layers (flatten, tokens, merge_heads, select_token) and in-place clamps (relu,
    /// clamp) are folded into their input. Transformer ops (see `transformerWorkload`): a linear on
    /// `[T, I]` tokens is a 1×1 conv over T positions; `matmul` a grouped 1×1 conv whose second
    /// operand is an input, not weights; softmax, GELU, LayerNorm, token_embed and split_heads one
    /// elementwise pass each, the first three charged as the profile's `special_functions` say
    /// (`SpecialFunction`).
    /// `checkingValues` as in `shapes(file:checkingValues:)`.
    public func workloads(file: String = "<memory>", checkingValues: Bool = true) throws -> [LayerWorkload] {
        let shapes = try shapes(file: file, checkingValues: checkingValues)
        var alias: [String: String] = [:]
        var bits: [String: Int] = [IntegerModel.inputName: input.bits]
        func source(_ name: String) -> String { alias[name] ?? name }
        func shape(_ name: String) -> TensorShape {
            let s = shapes[name]!
            return s.count == 3
                ? TensorShape(channels: s[0], height: s[1], width: s[2])
                : TensorShape(channels: s.reduce(1, *), height: 1, width: 1)
        }
        var out: [LayerWorkload] = []
        for layer in layers {
            let inputs = layer.inputs.map(source)
            let inShape = shape(layer.inputs[0])
            let inBits = bits[inputs[0]] ?? 8
            bits[layer.name] = layer.output.bits
            switch layer.op {
            case .conv(let w):
                out.append(
                    .conv(
                        layer.name, input: inputs[0], inputShape: inShape, outChannels: w.outChannels,
                        kernel: w.weightShape[2], stride: w.stride[0], padding: w.padding[0],
                        weightBits: w.weightBits, activationBits: inBits, outputBits: layer.output.bits))
            case .linear(let w) where shapes[layer.inputs[0]]!.count == 2:
                let s = shapes[layer.inputs[0]]!
                out.append(
                    .conv(
                        layer.name, input: inputs[0], inputShape: TensorShape(channels: s[1], height: s[0], width: 1),
                        outChannels: w.outChannels, kernel: 1, weightBits: w.weightBits, activationBits: inBits,
                        outputBits: layer.output.bits))
            case .linear(let w):
                out.append(
                    .linear(
                        layer.name, input: inputs[0], inputShape: inShape, outFeatures: w.outChannels,
                        weightBits: w.weightBits, activationBits: inBits, outputBits: layer.output.bits))
            case .add:
                out.append(
                    .add(
                        layer.name, inputs: inputs, shape: inShape,
                        activationBits: max(inBits, bits[inputs[1]] ?? inBits), outputBits: layer.output.bits))
            case .globalAvgpool:
                out.append(
                    .globalPool(
                        layer.name, input: inputs[0], inputShape: inShape, activationBits: inBits,
                        outputBits: layer.output.bits))
            case .avgpool(let window, _), .maxpool(let window):
                out.append(
                    LayerWorkload(
                        name: layer.name, kind: .pool, inputs: inputs, inputShape: inShape,
                        outputShape: shape(layer.name), kernelHeight: window.kernel[0],
                        kernelWidth: window.kernel[1], stride: window.stride[0],
                        padding: window.padding[0], groups: 1, weightBits: 0,
                        activationBits: inBits, outputBits: layer.output.bits, params: 0))
            case .relu, .clamp, .flatten, .tokens, .mergeHeads, .selectToken:
                alias[layer.name] = inputs[0]
            case .softmax, .gelu, .layernorm, .matmul, .tokenEmbed, .splitHeads:
                out.append(
                    Self.transformerWorkload(
                        layer, inputs: inputs, shapes: layer.inputs.map { shapes[$0]! }, output: shapes[layer.name]!,
                        bits: inputs.map { bits[$0] ?? 8 }))
            }
        }
        return out
    }

    /// The workload of a matmul (`[H, M, K] · [H, K, N]`: H groups of an `N × K` "weight" over M
    /// positions, 0 parameters, both operands charged as activation inputs, the multiplier at
    /// `bits_a × bits_b`) or of one elementwise pass over the first input (1×1 pool kind, with its
    /// `SpecialFunction` for softmax, GELU and LayerNorm).
    static func transformerWorkload(
        _ layer: IntegerLayer, inputs: [String], shapes: [[Int]], output: [Int], bits: [Int]
    ) -> LayerWorkload {
        let elements = shapes[0].reduce(1, *)
        guard case .matmul = layer.op else {
            let flat = TensorShape(channels: elements, height: 1, width: 1)
            let out = TensorShape(channels: output.reduce(1, *), height: 1, width: 1)
            var pass = LayerWorkload(
                name: layer.name, kind: .pool, inputs: inputs, inputShape: flat, outputShape: out, kernelHeight: 1,
                kernelWidth: 1, stride: 1, padding: 0, groups: 1, weightBits: 0, activationBits: bits[0],
                outputBits: layer.output.bits, params: 0)
            pass.specialFunction = SpecialFunction(rawValue: layer.op.name)
            return pass
        }
        let (h, m, k, n) = (shapes[0][0], shapes[0][1], shapes[0][2], output[2])
        return LayerWorkload(
            name: layer.name, kind: .conv, inputs: inputs,
            inputShape: TensorShape(channels: h * k, height: m, width: 1),
            outputShape: TensorShape(channels: h * n, height: m, width: 1), kernelHeight: 1, kernelWidth: 1,
            stride: 1, padding: 0, groups: h, weightBits: bits[1], activationBits: bits[0],
            outputBits: layer.output.bits, params: 0)
    }

    /// The most common weight bit-width of the conv/linear layers (the model's nominal precision).
    public var nominalWeightBits: Int {
        var counts: [Int: Int] = [:]
        for l in layers {
            switch l.op {
            case .conv(let w), .linear(let w): counts[w.weightBits, default: 0] += 1
            default: break
            }
        }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 8
    }
}
