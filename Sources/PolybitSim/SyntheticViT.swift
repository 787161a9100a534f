import PolybitNN
import PolybitQuant
import PolybitTensor

extension IntegerModel {
    /// A random but valid integer ViT of `topology` for tests and benchmarks: every linear at
    /// `weightBits`×`activationBits`, uniform random weights, float-kept tensors at 16 bits with a
    /// step of 1/256 (the stream) and requantizations that keep activations spread over their range.
    public static func syntheticViT(
        topology: ViTTopology, weightBits: Int = 8, activationBits: Int = 8, seed: UInt64 = 1
    ) -> IntegerModel {
        let plan = ViTIntegerPlan(topology: topology) { _ in
            Precision(weightBits: weightBits, activationBits: activationBits)
        }
        var values = RandomViTValues(rng: SeededRNG(seed: seed))
        do {
            return try plan.integerModel(values: &values)
        } catch {
            preconditionFailure("synthetic ViT: \(error)")
        }
    }
}

/// Random weights and fixed grids: quantizer grids over ±4, float-kept tensors over ±128 (scores
/// and Q, K, V over ±8), the input over [0, 1].
private struct RandomViTValues: ViTPlanValues {
    var rng: SeededRNG

    func quantization(of t: ViTIntegerPlan.Tensor) -> Quantization {
        let top = Double(t.signed ? (1 << (t.bits - 1)) - 1 : (1 << t.bits) - 1)
        switch t.scale {
        case .input: return Quantization(bits: t.bits, signed: false, scale: 1 / top, zeroPoint: 0)
        case .probability: return Quantization(bits: t.bits, signed: false, scale: 1 / (top + 1), zeroPoint: 0)
        case .quantizer: return Quantization(bits: t.bits, signed: t.signed, scale: 4 / top, zeroPoint: 0)
        case .calibrated(let key):
            let range = key.hasSuffix(".scores") || key.hasSuffix(".qkv") ? 8.0 : 128.0
            return Quantization(bits: t.bits, signed: t.signed, scale: range / top, zeroPoint: 0)
        }
    }

    mutating func weightedLayer(
        _ name: String, geometry g: ResNetIntegerPlan.Weighted, input: Quantization, output: Quantization
    ) -> WeightedLayer {
        let taps = g.inChannels * max(g.kernel * g.kernel, 1)
        let wmax = (1 << (g.weightBits - 1)) - 1
        let weights = (0..<(g.outChannels * taps)).map { _ in Int32(Int(rng.nextFloat() * Float(2 * wmax + 1)) - wmax) }
        // Output spread ≈ sqrt(K) · std(w) · std(x') in accumulator units; aim at 1/8 of the range.
        let stdW = Double(wmax) / 3.0.squareRoot(), stdX = Double(input.qmax - input.qmin + 1) / 8
        let target = Double(output.qmax - output.qmin + 1) / 64
        let real = target / (Double(taps).squareRoot() * stdW * stdX)
        return WeightedLayer(
            weights: weights, weightShape: g.weightShape, weightBits: g.weightBits, weightScale: [0.01],
            bias: (0..<g.outChannels).map { _ in Int32(Int(rng.nextFloat() * 201) - 100) },
            requant: Requantization(reals: [real]), stride: [g.stride, g.stride], padding: [g.padding, g.padding])
    }

    /// γ uniform in [0.5, 1.5], β uniform in [−0.5, 0.5].
    mutating func layerNorm(
        _ name: String, features: Int, input: Quantization, output: Quantization
    ) -> LayerNormParameters {
        let gamma = (0..<features).map { _ in 0.5 + rng.nextFloat() }
        let beta = (0..<features).map { _ in rng.nextFloat() - 0.5 }
        return LayerNormParameters(gamma: gamma, beta: beta, epsilon: 1e-5, outputScale: output.scale)
    }

    /// Class token and positions uniform in [−1, 1].
    mutating func tokenEmbedding(tokens: Int, dim: Int, input: Quantization, output: Quantization) -> TokenEmbedding {
        let reals = (0..<(tokens * dim)).map { _ in 2 * rng.nextFloat() - 1 }
        return TokenEmbedding(reals: reals, dim: dim, input: input, output: output)
    }
}
