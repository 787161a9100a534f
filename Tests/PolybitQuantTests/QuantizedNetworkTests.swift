import PolybitNN
import PolybitQuant
import PolybitTensor
import Testing

@Suite struct QuantizedNetworkTests {
    init() { Compute.configure(threads: 2) }

    @Test func resnetLayersAndBoundaryPrecision() throws {
        let net = ResNet(depth: 20, inputChannels: 1, classes: 10, seed: 1)
        let q = try QuantizedNetwork(model: net, bitWidths: [2, 4], options: QuantizerOptions())
        #expect(q.layers.count == 22)
        let names = net.parameters.map(\.name)
        #expect(Set(names).count == names.count, "parameter names are unique (shared quantizers appear once)")
        q.set(.uniform(2))
        #expect(q.layers.first!.weights.bits == 8 && q.layers.first!.input == nil)
        #expect(q.layers.last!.weights.bits == 8 && q.layers.last!.input?.bits == 8)
        #expect(q.layers[1].weights.bits == 2 && q.layers[1].input?.bits == 2)
        q.set(.float)
        #expect(q.layers.allSatisfy { $0.weights.bits == nil && ($0.input?.bits ?? nil) == nil })
        q.quantizeFirstLast = true
        q.set(.uniform(4))
        #expect(q.layers.first!.weights.bits == 4)
    }

    @Test func policySetsEachLayer() throws {
        let net = ResNet(depth: 8, inputChannels: 1, classes: 3, seed: 1)
        let q = try QuantizedNetwork(model: net, bitWidths: [2, 3, 4], options: QuantizerOptions())
        let policy = PrecisionPolicy(
            layers: ["stage1.block0.conv1": .init(weight_bits: 3, activation_bits: 4)],
            default: .init(weight_bits: 2, activation_bits: 2))
        q.set(policy)
        let conv1 = q.layers.first { $0.name == "stage1.block0.conv1" }!
        #expect(conv1.weights.bits == 3 && conv1.input?.bits == 4)
        #expect(q.layers.first { $0.name == "stage1.block0.conv2" }!.weights.bits == 2)
    }

    /// A few multi-bit steps on one batch lower the loss at every trained bit-width.
    @Test func multiBitStepsLowerLossAtEveryBitWidth() throws {
        let net = ResNet(depth: 8, inputChannels: 1, classes: 4, seed: 2)
        let q = try QuantizedNetwork(model: net, bitWidths: [2, 4, 8], options: QuantizerOptions())
        expectMultiBitStepsLowerLoss(net, q)
    }

    @Test func vitIsQuantizable() throws {
        let net = ViT(inputChannels: 1, height: 8, width: 8, classes: 3, patch: 4, dim: 8, depth: 1, heads: 2, seed: 1)
        let q = try QuantizedNetwork(model: net, bitWidths: [4], options: QuantizerOptions())
        #expect(q.layers.count == 6)
        q.set(.uniform(4))
        var rng = SeededRNG(seed: 1)
        let out = net.forward(.randomNormal([2, 1, 8, 8], std: 1, rng: &rng), training: false)
        #expect(out.shape == [2, 3] && out.storage.allSatisfy(\.isFinite))
    }
}

/// Trains `net` for 15 rounds of one SGD step at each of 8, 4 and 2 bits on one fixed batch (4
/// classes, 1×8×8 images) and expects every width's loss to fall by at least 20%.
func expectMultiBitStepsLowerLoss(
    _ net: ResNet, _ q: QuantizedNetwork,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    var rng = SeededRNG(seed: 4)
    let x = Tensor.randomNormal([16, 1, 8, 8], std: 1, rng: &rng)
    let y = (0..<16).map { Int32($0 % 4) }
    let sgd = SGD(learningRate: 0.05)
    func loss(_ b: Int) -> Float {
        q.set(.uniform(b))
        return crossEntropy(logits: net.forward(x, training: true), labels: y).loss
    }
    let before = [8, 4, 2].map(loss)
    for _ in 0..<15 {
        for b in [8, 4, 2] {
            q.set(.uniform(b))
            let r = crossEntropy(logits: net.forward(x, training: true), labels: y)
            net.backward(r.gradient)
            sgd.step(net.parameters)
        }
    }
    let after = [8, 4, 2].map(loss)
    for (b, (l0, l1)) in zip([8, 4, 2], zip(before, after)) {
        #expect(l1 < 0.8 * l0, "\(b)-bit loss \(l0) → \(l1)", sourceLocation: sourceLocation)
    }
}
