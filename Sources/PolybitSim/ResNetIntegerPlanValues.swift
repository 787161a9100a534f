import PolybitData

/// The numbers that turn a `ResNetIntegerPlan` into an `IntegerModel`: a grid per tensor and the
/// integer weights of each conv/linear layer. The exporter reads them off a trained network; the
/// synthetic benchmark model draws them at random; costing uses `PlaceholderPlanValues`.
public protocol ResNetPlanValues {
    /// The grid of a planned tensor; bits and signedness must be the plan's.
    func quantization(of tensor: ResNetIntegerPlan.Tensor) throws -> Quantization
    /// The integer conv/linear layer `name`, reading grid `input` and writing grid `output`.
    mutating func weightedLayer(
        _ name: String, geometry: ResNetIntegerPlan.Weighted, input: Quantization, output: Quantization
    ) throws -> WeightedLayer
}

/// Zero weights and unit scales: a model with the plan's structure and widths, for the cost
/// model (which reads shapes and bits only).
public struct PlaceholderPlanValues: ResNetPlanValues {
    public init() {}

    public func quantization(of tensor: ResNetIntegerPlan.Tensor) -> Quantization {
        Quantization(bits: tensor.bits, signed: tensor.signed, scale: 1, zeroPoint: 0)
    }

    public func weightedLayer(
        _ name: String, geometry g: ResNetIntegerPlan.Weighted, input: Quantization, output: Quantization
    ) -> WeightedLayer {
        WeightedLayer(
            weights: [Int32](repeating: 0, count: g.weightShape.reduce(1, *)), weightShape: g.weightShape,
            weightBits: g.weightBits, weightScale: [1], bias: [Int32](repeating: 0, count: g.outChannels),
            requant: Requantization(reals: [1]), stride: [g.stride, g.stride], padding: [g.padding, g.padding])
    }
}

extension ResNetIntegerPlan {
    /// The integer model of this plan with `values`' numbers (requantization multipliers of the
    /// requantize, add and pool layers follow from the grids).
    /// - Throws: what `values` throws.
    public func integerModel<Values: ResNetPlanValues>(
        values: inout Values, normalization: ChannelNormalization? = nil
    ) throws -> IntegerModel {
        let inputGrid = try values.quantization(of: input)
        var grids: [String: Quantization] = [IntegerModel.inputName: inputGrid]
        var out: [IntegerLayer] = []
        for layer in layers {
            let y = try values.quantization(of: layer.output)
            let x = grids[layer.inputs[0]]!
            let op: LayerOp
            switch layer.operation {
            case .weighted(let g):
                let w = try values.weightedLayer(layer.name, geometry: g, input: x, output: y)
                op = g.kernel == 0 ? .linear(w) : .conv(w)
            case .requantize:
                op = .avgpool(PoolWindow(kernel: [1, 1], stride: [1, 1]), Requantization(reals: [x.scale / y.scale]))
            case .add:
                op = .add(AddRescale(scaleA: x.scale, scaleB: grids[layer.inputs[1]]!.scale, scaleOut: y.scale))
            case .globalPool(let pixels):
                op = .globalAvgpool(Requantization(reals: [x.scale / (Double(pixels) * y.scale)]))
            }
            grids[layer.name] = y
            out.append(IntegerLayer(name: layer.name, op: op, inputs: layer.inputs, output: y))
        }
        return IntegerModel(inputShape: inputShape, input: inputGrid, layers: out, inputNormalization: normalization)
    }
}
