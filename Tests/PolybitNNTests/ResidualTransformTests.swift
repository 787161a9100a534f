import PolybitNN
import PolybitTensor
import Testing

/// A smooth stand-in for a quantizer in a transform slot: `y = x + a·x²` with a trainable `a`.
/// Quantizers are piecewise constant, so a numeric gradient check of the residual wiring uses
/// this instead (their straight-through backward is the identity inside the range, this one's
/// is `1 + 2a·x`, which also tells which tensor each slot transformed). Counts its backwards.
final class SmoothTransform: Layer {
    let a: Parameter
    private(set) var backwardCalls = 0
    private var input: Tensor?

    init(_ name: String, a: Float) {
        self.a = Parameter(name: name + ".a", role: .stepSize, value: Tensor(shape: [1], storage: [a]))
    }

    var parameters: [Parameter] { [a] }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        if training { input = x }
        let a = self.a.value.storage[0]
        return Tensor(shape: x.shape, storage: x.storage.map { $0 + a * $0 * $0 })
    }

    func backward(_ gradOutput: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("SmoothTransform: backward without a training forward") }
        backwardCalls += 1
        let a = self.a.value.storage[0]
        self.a.grad.storage[0] += zip(gradOutput.storage, x.storage).reduce(0) { $0 + $1.0 * $1.1 * $1.1 }
        return Tensor(shape: x.shape, storage: zip(gradOutput.storage, x.storage).map { $0 * (1 + 2 * a * $1) })
    }
}

/// The residual path's transform slots of `BasicBlock` and `ResNet` backpropagate exactly
/// (numeric gradient checks with smooth stand-ins, in the wirings PolybitQuant's `ResidualPath`
/// modes use), and the shared input transform runs backward once.
@Suite struct ResidualTransformTests {
    init() { Compute.configure(threads: 2) }

    /// The wirings: `.activation` (shared input read by conv1, projection and identity; residual
    /// and shortcut transforms) and `.bits` (identity reads the raw input; residual, shortcut and
    /// output transforms), for an identity block (8→8 channels) and a projection block (4→8, stride 2).
    /// Shifts every BatchNorm's output well above zero so that no ReLU sits at a kink: finite
    /// differences then measure the wiring, not where a kink happens to fall.
    static func clearOfKinks(_ norms: [BatchNorm2d]) {
        for bn in norms { bn.beta.value = Tensor(shape: bn.beta.value.shape, repeating: 6) }
    }

    static let cases: [(mode: String, inChannels: Int, stride: Int)] = [
        ("activation", 8, 1), ("activation", 4, 2), ("bits", 8, 1), ("bits", 4, 2),
    ]

    @Test(arguments: 0..<cases.count)
    func basicBlockGradientsThroughEveryTransform(caseIndex: Int) {
        let c = Self.cases[caseIndex]
        var rng = SeededRNG(seed: 11)
        let block = BasicBlock(name: "b", inChannels: c.inChannels, outChannels: 8, stride: c.stride, rng: &rng)
        Self.clearOfKinks([block.bn1, block.bn2] + (block.projection.map { [$0.bn] } ?? []))
        let input = SmoothTransform("input", a: 0.05), residual = SmoothTransform("residual", a: -0.03)
        let shortcut = SmoothTransform("shortcut", a: 0.04), output = SmoothTransform("output", a: 0.01)
        block.convInputTransform = input
        block.residualTransform = residual
        if block.projection != nil { block.shortcutTransform = shortcut }
        if c.mode == "activation" {
            block.identityReadsConvInput = true
        } else {
            block.outputTransform = output
        }
        let x = Tensor.randomNormal([c.inChannels, 3, 6, 6], std: 1, rng: &rng)
        checkGradients(block, input: x, samples: 8, epsilon: 1e-3)
        #expect(input.backwardCalls == 1, "the shared input transform runs backward once, on the summed gradient")
        #expect(residual.backwardCalls == 1)
        #expect(shortcut.backwardCalls == (block.projection != nil ? 1 : 0))
        #expect(output.backwardCalls == (c.mode == "bits" ? 1 : 0))
    }

    /// With `identityReadsConvInput`, the identity term is the transformed input: the block output
    /// is `max(residual + transformed input, 0)`, element for element.
    @Test func identityReadsTheTransformedInput() {
        var rng = SeededRNG(seed: 3)
        let block = BasicBlock(name: "b", inChannels: 4, outChannels: 4, stride: 1, rng: &rng)
        let input = SmoothTransform("input", a: 0.3)
        block.convInputTransform = input
        block.identityReadsConvInput = true
        var residual = Tensor(shape: [1]), output = Tensor(shape: [1])
        block.observer = { name, t in
            if name == "residual" { residual = t }
            if name == "output" { output = t }
        }
        let x = Tensor.randomNormal([4, 2, 5, 5], std: 1, rng: &rng)
        _ = block.forward(x, training: false)
        let xq = input.forward(x, training: false)
        #expect(output.storage == zip(residual.storage, xq.storage).map { max($0 + $1, 0) })
        #expect(output.storage != zip(residual.storage, x.storage).map { max($0 + $1, 0) })
    }

    /// The stem-output and pool-input slots of `ResNet`, in a numeric check of the whole network.
    @Test func resnetStemAndPoolTransforms() {
        let net = ResNet(depth: 8, inputChannels: 1, classes: 3, seed: 5)
        Self.clearOfKinks(net.normLayers)
        let stem = SmoothTransform("stem", a: 0.01), pool = SmoothTransform("pool", a: -0.002)
        net.stemOutputTransform = stem
        net.poolInputTransform = pool
        #expect(net.parameters.contains { $0 === stem.a } && net.parameters.contains { $0 === pool.a })
        var rng = SeededRNG(seed: 6)
        checkGradients(
            ClassifierAsLayer(net), input: .randomNormal([3, 1, 8, 8], std: 1, rng: &rng), samples: 3,
            checkInput: false)
        #expect(stem.backwardCalls == 1 && pool.backwardCalls == 1)
    }
}

/// An image classifier as a `Layer` (backward returns no input gradient: the stem computes none).
final class ClassifierAsLayer: Layer {
    let net: any ImageClassifier
    init(_ net: any ImageClassifier) { self.net = net }
    var parameters: [Parameter] { net.parameters }
    func forward(_ x: Tensor, training: Bool) -> Tensor { net.forward(x, training: training) }
    func backward(_ gradOutput: Tensor) -> Tensor {
        net.backward(gradOutput)
        return Tensor(shape: [1])
    }
}
