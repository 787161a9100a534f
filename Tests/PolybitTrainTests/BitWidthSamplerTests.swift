import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing

struct BitWidthSamplerTests {
    /// The tiny ResNet-8 with quantizers for 2…6 bits, and its sampler over 2…6.
    static func network() throws -> (QuantizedNetwork, BitWidthSampler) {
        let (recipe, splits) = tinyRecipe(epochs: 1)
        let model = try ModelFactory.make(recipe, for: splits.train)
        let quant = try QuantizedNetwork(model: model, bitWidths: Array(2...6), options: QuantizerOptions())
        return (quant, BitWidthSampler(network: quant, widths: [6, 2, 3, 4, 5, 4]))
    }

    /// Units: every layer but the stem and classifier (fixed at 8×8); a block's conv1 and its
    /// projection shortcut share one activation unit.
    @Test func unitsFollowTheNetwork() throws {
        let (quant, sampler) = try Self.network()
        #expect(sampler.weightUnits == quant.layers.filter { !$0.isBoundary }.map(\.name))
        #expect(sampler.fixed[ResNetTopology.stemName] == PrecisionPolicy.Entry(weight_bits: 8, activation_bits: nil))
        #expect(
            sampler.fixed[ResNetTopology.classifierName] == PrecisionPolicy.Entry(weight_bits: 8, activation_bits: 8))
        #expect(sampler.activationUnits.contains(["stage2.block0.conv1", "stage2.block0.shortcut.conv"]))
        #expect(sampler.activationUnits.count == sampler.weightUnits.count - 2, "two projections share")
        #expect(sampler.activationCandidates == [2, 3, 4, 5, 6] && sampler.highest == 6)
    }

    /// Uniform draws: valid policies that `QuantizedNetwork.set(_:)` runs layer by layer, the same
    /// for the same stream, and every width about equally often (5 widths: 20% ± 3 points).
    @Test func uniformDrawsAreValidReproducibleAndUniform() throws {
        let (quant, sampler) = try Self.network()
        var rng = SeededRNG(seed: 11), again = SeededRNG(seed: 11)
        var counts: [Int: Int] = [:], total = 0
        for _ in 0..<400 {
            let policy = sampler.uniformDraw(&rng)
            #expect(policy == sampler.uniformDraw(&again))
            try policy.validate(layers: quant.layers, supportedBits: 2...8, file: "draw")
            quant.set(policy)
            for l in quant.layers {
                let p = policy.precision(of: l.name)
                #expect(l.weights.bits == p.weightBits && l.input?.bits == p.activationBits)
            }
            for name in sampler.weightUnits {
                let p = policy.precision(of: name)
                for b in [p.weightBits!, p.activationBits!] { counts[b, default: 0] += 1; total += 1 }
            }
            let shared = sampler.activationUnits.first { $0.count == 2 }!
            #expect(policy.precision(of: shared[0]).activationBits == policy.precision(of: shared[1]).activationBits)
        }
        for b in 2...6 { #expect(abs(Double(counts[b]!) / Double(total) - 0.2) < 0.03, "\(b) bits: \(counts)") }
    }

    /// HASB: the roulette of a sensitive layer is b / Σb; at σ = 0 every unit keeps the subnet's
    /// width; at σ = 1 a sensitive unit's widths follow the roulette, an insensitive one's are uniform.
    @Test func hasbRouletteAndSigma() throws {
        let wheel = BitWidthSampler.roulette(candidates: [2, 4, 6, 8], sensitive: true)
        #expect(wheel.map(\.bits) == [2, 4, 6, 8] && wheel.map(\.probability) == [0.1, 0.2, 0.3, 0.4])
        #expect(BitWidthSampler.roulette(candidates: [2, 4], sensitive: false).map(\.probability) == [0.5, 0.5])
        #expect(BitWidthSampler.hasbSigma(0.5, epoch: 0, epochs: 10) == 0.05)
        #expect(BitWidthSampler.hasbSigma(0.5, epoch: 9, epochs: 10) == 0.5)

        let (_, sampler) = try Self.network()
        // The first layer is sensitive (trace above the mean), the others are not.
        let traces = [100.0] + Array(repeating: 1.0, count: sampler.weightUnits.count - 1)
        var rng = SeededRNG(seed: 5)
        for _ in 0..<50 {
            let policy = sampler.hasbDraw(traces: traces, sigma: 0, &rng)
            let widths = sampler.weightUnits.map { policy.precision(of: $0) }
            #expect(Set(widths.flatMap { [$0.weightBits!, $0.activationBits!] }).count == 1)
        }
        var sensitive: [Int: Int] = [:], other: [Int: Int] = [:]
        let n = 6000
        for _ in 0..<n {
            let policy = sampler.hasbDraw(traces: traces, sigma: 1, &rng)
            sensitive[policy.precision(of: sampler.weightUnits[0]).weightBits!, default: 0] += 1
            other[policy.precision(of: sampler.weightUnits[1]).weightBits!, default: 0] += 1
        }
        for b in 2...6 {
            #expect(abs(Double(sensitive[b]!) / Double(n) - Double(b) / 20) < 0.02, "sensitive \(b): \(sensitive)")
            #expect(abs(Double(other[b]!) / Double(n) - 0.2) < 0.02, "insensitive \(b): \(other)")
        }
    }

    /// The Hessian traces of a network leave its weights, running statistics and gradients as they
    /// were, are finite, and repeat for the same probes.
    @Test func layerTracesLeaveTheNetworkUnchanged() throws {
        let (quant, sampler) = try Self.network()
        let (recipe, splits) = tinyRecipe(epochs: 1)
        let before = quant.model.parameters.map(\.value)
        var rng = SeededRNG(seed: 2), again = SeededRNG(seed: 2)
        let images = splits.train.prefix(64)
        let traces = LayerHessianTraces.estimate(
            network: quant, layers: sampler.weightUnits, images: images, batch: recipe.batch, rng: &rng)
        #expect(traces.count == sampler.weightUnits.count && traces.allSatisfy(\.isFinite))
        #expect(quant.model.parameters.map(\.value) == before)
        #expect(quant.model.parameters.allSatisfy { $0.grad.storage.allSatisfy { $0 == 0 } })
        let repeated = LayerHessianTraces.estimate(
            network: quant, layers: sampler.weightUnits, images: images, batch: recipe.batch, rng: &again)
        #expect(repeated == traces)
    }
}
