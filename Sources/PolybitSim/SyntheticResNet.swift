import PolybitNN
import PolybitQuant
import PolybitTensor

extension IntegerModel {
    /// A random but valid ResNet-shaped integer model for benchmarks and tests: the integer plan of
    /// `ResNetTopology(depth:)` with the residual stream at the activation width (what
    /// `ResidualPath.activation` training exports), every layer at `weightBits`×`activationBits`,
    /// the logits at `activationBits`. Weights are uniform `weightBits`-bit integers; requantization
    /// keeps activations spread over their range. `depth` 20 gives ResNet-20 (≈31 M MACs for 1×28×28).
    public static func syntheticResNet(
        inputShape: [Int] = [1, 28, 28], depth: Int = 20, classes: Int = 10,
        weightBits: Int = 8, activationBits: Int = 8, seed: UInt64 = 1
    ) -> IntegerModel {
        do {
            let topology = try ResNetTopology(depth: depth, inputChannels: inputShape[0], classes: classes)
            let plan = try ResNetIntegerPlan(
                topology: topology, inputShape: inputShape, residual: .activation, floatBits: activationBits
            ) { _ in Precision(weightBits: weightBits, activationBits: activationBits) }
            var values = RandomPlanValues(rng: SeededRNG(seed: seed))
            return try plan.integerModel(values: &values)
        } catch {
            preconditionFailure("synthetic ResNet: \(error)")
        }
    }

    /// Random input images (uniform over the input quantization's range), `count × C·H·W`.
    public func randomInputs(count: Int, seed: UInt64 = 2) -> [Int32] {
        var rng = SeededRNG(seed: seed)
        let lo = input.qmin, span = input.qmax - input.qmin + 1
        return (0..<(count * inputShape.reduce(1, *))).map { _ in
            Int32(lo + min(span - 1, Int(rng.nextFloat() * Float(span))))
        }
    }
}

/// Random weights and fixed grids: unsigned activations at step 0.05, signed pre-add sums at 0.07,
/// the input over [0, 1].
private struct RandomPlanValues: ResNetPlanValues {
    var rng: SeededRNG

    func quantization(of t: ResNetIntegerPlan.Tensor) -> Quantization {
        let scale: Double
        switch t.scale {
        case .input: scale = 1.0 / Double((1 << t.bits) - 1)
        case .quantizer, .calibrated: scale = t.signed ? 0.07 : 0.05
        }
        return Quantization(bits: t.bits, signed: t.signed, scale: scale, zeroPoint: 0)
    }

    mutating func weightedLayer(
        _ name: String, geometry g: ResNetIntegerPlan.Weighted, input: Quantization, output: Quantization
    ) -> WeightedLayer {
        let taps = g.inChannels * max(g.kernel * g.kernel, 1)
        let wmax = (1 << (g.weightBits - 1)) - 1
        let weights = (0..<(g.outChannels * taps)).map { _ in
            Int32(Int(rng.nextFloat() * Float(2 * wmax + 1)) - wmax)
        }
        // Output spread ≈ sqrt(K) · std(w) · std(x'); aim at a quarter of the output range.
        let stdW = Double(wmax) / 3.0.squareRoot(), stdX = Double(input.qmax - input.qmin + 1) / 8
        let target = Double(output.qmax - output.qmin + 1) / 8
        let reals = (0..<g.outChannels).map { _ in
            target / (Double(taps).squareRoot() * stdW * stdX) * Double(0.7 + 0.6 * rng.nextFloat())
        }
        let bias = (0..<g.outChannels).map { _ in Int32(Int(rng.nextFloat() * 201) - 100) }
        return WeightedLayer(
            weights: weights, weightShape: g.weightShape, weightBits: g.weightBits, weightScale: [0.01], bias: bias,
            requant: Requantization(reals: reals), stride: [g.stride, g.stride], padding: [g.padding, g.padding])
    }
}
