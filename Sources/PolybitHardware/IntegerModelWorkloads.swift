import PolybitSim

extension IntegerModel {
    /// The cost model's view of this integer model: one workload per layer that computes
    /// (conv, linear, add, pooling, requantization), with the bit-widths the file stores.
    /// Shape-only layers (flatten) and in-place clamps (relu, clamp) are folded into their input.
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
            case .relu, .clamp, .flatten:
                alias[layer.name] = inputs[0]
            case .softmax, .gelu, .layernorm, .matmul, .tokens, .tokenEmbed, .splitHeads, .mergeHeads, .selectToken:
                throw IntegerModelError(
                    file: file, layer: layer.name, field: "op",
                    message: "the cost model has no workload for op '\(layer.op.name)' (transformer ops) yet")
            }
        }
        return out
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
