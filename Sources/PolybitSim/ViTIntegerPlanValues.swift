import PolybitData

/// The numbers that turn a `ViTIntegerPlan` into an `IntegerModel`: a grid per tensor, the
/// integer linears, LayerNorms and token constants. `ViTExporter` reads them off a trained network;
/// `SyntheticViT` draws them at random.
public protocol ViTPlanValues {
    /// The grid of a planned tensor; bits and signedness must be the plan's.
    func quantization(of tensor: ViTIntegerPlan.Tensor) throws -> Quantization
    /// The integer linear (or patch conv) `name`, reading grid `input` and writing grid `output`.
    mutating func weightedLayer(
        _ name: String, geometry: ResNetIntegerPlan.Weighted, input: Quantization, output: Quantization
    ) throws -> WeightedLayer
    /// The integer LayerNorm `name` over `features` values, from grid `input` to grid `output`.
    mutating func layerNorm(
        _ name: String, features: Int, input: Quantization, output: Quantization
    ) throws -> LayerNormParameters
    /// The class token and positions added to `[tokens − 1, dim]` patch tokens on grid `input`.
    mutating func tokenEmbedding(
        tokens: Int, dim: Int, input: Quantization, output: Quantization
    ) throws -> TokenEmbedding
}

extension TokenEmbedding {
    /// `constant` reals `[T + 1, D]` (row 0: class token + position 0) as 16-bit signed integers,
    /// with the rescaling of tokens on grid `input` to grid `output`.
    public init(reals: [Float], dim: Int, input: Quantization, output: Quantization) {
        let top = Double(reals.lazy.map { abs($0) }.max() ?? 0)
        let q = Quantization(bits: 16, signed: true, scale: top > 0 ? top / 32767 : 1, zeroPoint: 0)
        self.init(
            constant: reals.map { q.quantize(Double($0)) }, constantShape: [reals.count / dim, dim],
            constantQuantization: q, rescale: AddRescale(scaleA: input.scale, scaleB: q.scale, scaleOut: output.scale))
    }
}

extension ViTIntegerPlan {
    /// The integer model of this plan with `values`' numbers; the multipliers of softmax, GELU,
    /// the attention products and the adds follow from the grids.
    public func integerModel<Values: ViTPlanValues>(
        values: inout Values, normalization: ChannelNormalization? = nil
    ) throws -> IntegerModel {
        let inputGrid = try values.quantization(of: input)
        var grids: [String: Quantization] = [IntegerModel.inputName: inputGrid]
        var out: [IntegerLayer] = []
        for layer in layers {
            let y = try values.quantization(of: layer.output)
            let x = grids[layer.inputs[0]]!
            let second = layer.inputs.count > 1 ? grids[layer.inputs[1]]! : x
            let op: LayerOp
            switch layer.operation {
            case .weighted(let g):
                let w = try values.weightedLayer(layer.name, geometry: g, input: x, output: y)
                op = g.kernel == 0 ? .linear(w) : .conv(w)
            case .tokens: op = .tokens
            case .tokenEmbed:
                op = .tokenEmbed(
                    try values.tokenEmbedding(tokens: topology.tokens, dim: topology.dim, input: x, output: y))
            case .layerNorm(let name):
                op = .layernorm(try values.layerNorm(name, features: topology.dim, input: x, output: y))
            case .splitHeads(let s): op = .splitHeads(s)
            case .scores(let d):
                let real = x.scale * second.scale / (Double(d).squareRoot() * y.scale)
                op = .matmul(MatmulParameters(transposeB: true, requant: Requantization(reals: [real])))
            case .softmax: op = .softmax(IntegerSoftmax.inputMultiplier(inputScale: x.scale))
            case .context:
                op = .matmul(
                    MatmulParameters(
                        transposeB: false, requant: Requantization(reals: [x.scale * second.scale / y.scale])))
            case .mergeHeads: op = .mergeHeads
            case .add: op = .add(AddRescale(scaleA: x.scale, scaleB: second.scale, scaleOut: y.scale))
            case .gelu:
                op = .gelu(
                    IntegerGELU.inputMultiplier(inputScale: x.scale), IntegerGELU.outputRequant(outputScale: y.scale))
            case .selectToken: op = .selectToken(0)
            }
            grids[layer.name] = y
            out.append(IntegerLayer(name: layer.name, op: op, inputs: layer.inputs, output: y))
        }
        return IntegerModel(inputShape: inputShape, input: inputGrid, layers: out, inputNormalization: normalization)
    }
}

/// Zero weights and unit scales: a model with the plan's structure and widths, for the cost model
/// (which reads shapes and bits only).
public struct PlaceholderViTPlanValues: ViTPlanValues {
    public init() {}

    public func quantization(of t: ViTIntegerPlan.Tensor) -> Quantization {
        Quantization(bits: t.bits, signed: t.signed, scale: 1, zeroPoint: 0)
    }

    public func weightedLayer(
        _ name: String, geometry g: ResNetIntegerPlan.Weighted, input: Quantization, output: Quantization
    ) -> WeightedLayer {
        PlaceholderPlanValues().weightedLayer(name, geometry: g, input: input, output: output)
    }

    public func layerNorm(_ name: String, features: Int, input: Quantization, output: Quantization)
        -> LayerNormParameters
    {
        let zeros = [Int32](repeating: 0, count: features)
        return LayerNormParameters(
            gamma: zeros, gammaScale: 1, beta: zeros, epsilon: 0, requant: Requantization(reals: [1]))
    }

    public func tokenEmbedding(tokens: Int, dim: Int, input: Quantization, output: Quantization) -> TokenEmbedding {
        TokenEmbedding(
            constant: [Int32](repeating: 0, count: tokens * dim), constantShape: [tokens, dim],
            constantQuantization: Quantization(bits: 16, signed: true, scale: 1, zeroPoint: 0),
            rescale: AddRescale(scaleA: 1, scaleB: 1, scaleOut: 1))
    }
}
