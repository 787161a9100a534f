import PolybitNN
import PolybitQuant
import PolybitTensor
import Testing

@Suite struct SwitchableBatchNormNetworkTests {
    init() { Compute.configure(threads: 2) }

    /// A ResNet-8 whose BatchNorms have sets for `bits`, quantized for 2...8 bits.
    func switchableNetwork(bits: [Int]) throws -> (ResNet, QuantizedNetwork) {
        let net = ResNet(depth: 8, inputChannels: 1, classes: 4, seed: 2)
        for bn in net.normLayers { bn.makeSwitchable(bits: bits) }
        return (net, try QuantizedNetwork(model: net, bitWidths: Array(2...8), options: QuantizerOptions()))
    }

    /// Uniform precision selects the network width's set in every BatchNorm, the stem's too
    /// (untrained widths the nearest, ties to the higher); a policy selects per layer.
    @Test func precisionSelectsEveryBatchNormsSet() throws {
        let (net, q) = try switchableNetwork(bits: [2, 4, 8])
        for (bits, set) in [(2, 2), (3, 4), (4, 4), (6, 8), (8, 8)] {
            q.set(.uniform(bits))
            #expect(net.normLayers.allSatisfy { $0.selectedBits == set }, "\(bits) bits")
        }
        q.set(.float)
        #expect(net.normLayers.allSatisfy { $0.selectedBits == 8 })
        #expect(q.layers.compactMap(\.norm).count == net.normLayers.count)
        q.set(
            PrecisionPolicy(
                layers: ["stage1.block0.conv1": .init(weight_bits: 2, activation_bits: 4)],
                default: .init(weight_bits: 5, activation_bits: 5)))
        let block = net.blocks[0]
        #expect(block.bn1.selectedBits == 2 && block.bn2.selectedBits == 4 && net.stemBN.selectedBits == 4)
    }

    /// A few multi-bit steps on one batch lower the loss at every trained bit-width and train
    /// each width's BatchNorm set on its own.
    @Test func multiBitStepsLowerLossAtEveryBitWidth() throws {
        let (net, q) = try switchableNetwork(bits: [2, 4, 8])
        expectMultiBitStepsLowerLoss(net, q)
        let bn = net.blocks[0].bn2
        let gammas = [2, 4, 8].map { b -> [Float] in
            bn.select(bits: b); return bn.gamma.value.storage
        }
        #expect(gammas[0] != gammas[1] && gammas[1] != gammas[2] && gammas[0] != gammas[2])
    }
}
