import PolybitNN
import PolybitTensor
import Testing

@Suite struct LayerGradientTests {
    init() { Compute.configure(threads: 2) }

    static let convCases: [(Int, Int, Int, Int, Int, Int)] = [
        // (inC, outC, kernel, stride, padding, size)
        (3, 4, 3, 1, 1, 6), (2, 5, 3, 2, 1, 7), (4, 6, 1, 1, 0, 5), (4, 3, 1, 2, 0, 6), (1, 16, 3, 1, 1, 8),
        (16, 20, 3, 1, 1, 5), (3, 2, 5, 1, 2, 6), (8, 12, 3, 1, 1, 9), (4, 4, 3, 1, 1, 3),
    ]

    @Test(arguments: convCases)
    func conv2d(_ c: (Int, Int, Int, Int, Int, Int)) {
        var rng = SeededRNG(seed: 1)
        let conv = Conv2d(
            name: "c", inChannels: c.0, outChannels: c.1, kernel: c.2, stride: c.3, padding: c.4,
            bias: true, rng: &rng)
        checkGradients(conv, input: .randomNormal([c.0, 3, c.5, c.5], std: 1, rng: &rng))
    }

    @Test func batchNormTrainingMode() {
        var rng = SeededRNG(seed: 2)
        let bn = BatchNorm2d(name: "bn", channels: 3)
        bn.gamma.value = .randomNormal([3], std: 1, rng: &rng)
        bn.beta.value = .randomNormal([3], std: 1, rng: &rng)
        checkGradients(bn, input: .randomNormal([3, 4, 3, 3], std: 2, rng: &rng), epsilon: 1e-2, tolerance: 3e-2)
    }

    /// BatchNorm with the fused ReLU: finite differences, and the same values and gradients as
    /// BatchNorm followed by a separate ReLU (training and evaluation).
    @Test func batchNormWithFusedReLU() {
        var rng = SeededRNG(seed: 6)
        let fused = BatchNorm2d(name: "bn", channels: 3, appliesReLU: true)
        let plain = BatchNorm2d(name: "bn", channels: 3)
        for bn in [fused, plain] {
            var r = SeededRNG(seed: 7)
            bn.gamma.value = .randomNormal([3], std: 1, rng: &r)
            bn.beta.value = .randomNormal([3], std: 1, rng: &r)
        }
        let x = Tensor.randomNormal([3, 8, 5, 5], std: 2, rng: &rng)
        let g = Tensor.randomNormal([3, 8, 5, 5], std: 1, rng: &rng)
        let relu = ReLU()
        let y = fused.forward(x, training: true)
        #expect(y == relu.forward(plain.forward(x, training: true), training: true))
        #expect(y.storage.contains(0) && y.storage.contains { $0 > 0 })
        let dx = fused.backward(g), expected = plain.backward(relu.backward(g))
        for i in 0..<x.count {
            #expect(abs(dx.storage[i] - expected.storage[i]) <= 1e-5 * (1 + abs(expected.storage[i])))
        }
        for (a, b) in zip(
            fused.gamma.grad.storage + fused.beta.grad.storage, plain.gamma.grad.storage + plain.beta.grad.storage)
        {
            #expect(abs(a - b) <= 1e-4 * (1 + abs(b)))
        }
        #expect(fused.forward(x, training: false) == relu.forward(plain.forward(x, training: false), training: false))
        checkGradients(
            BatchNorm2d(name: "bn", channels: 2, appliesReLU: true),
            input: .randomNormal([2, 4, 3, 3], std: 2, rng: &rng), epsilon: 1e-2, tolerance: 3e-2)
    }

    /// `ReLU.forward(_:adding:)` is the residual add followed by ReLU.
    @Test func reluOfASum() {
        var rng = SeededRNG(seed: 8)
        let a = Tensor.randomNormal([2, 3, 4, 4], std: 1, rng: &rng),
            b = Tensor.randomNormal([2, 3, 4, 4], std: 1, rng: &rng)
        let g = Tensor.randomNormal([2, 3, 4, 4], std: 1, rng: &rng)
        let fused = ReLU(), plain = ReLU()
        #expect(fused.forward(a, adding: b, training: true) == plain.forward(a + b, training: true))
        #expect(fused.backward(g) == plain.backward(g))
    }

    @Test func batchNormRunningStatisticsAndEvaluation() {
        let bn = BatchNorm2d(name: "bn", channels: 1, momentum: 1)
        let x = Tensor(shape: [1, 2, 1, 2], storage: [1, 2, 3, 6])
        let y = bn.forward(x, training: true)
        // mean 3, biased variance 3.5 → normalized by sqrt(3.5 + 1e-5); running var unbiased 14/3.
        #expect(abs(y.storage[3] - 3 / (3.5 + 1e-5).squareRoot()) < 1e-5)
        #expect(abs(bn.runningMean.value.storage[0] - 3) < 1e-6)
        #expect(abs(bn.runningVar.value.storage[0] - 14.0 / 3) < 1e-5)
        let e = bn.forward(x, training: false)
        #expect(abs(e.storage[0] - (1 - 3) / (14.0 / 3 + 1e-5).squareRoot()) < 1e-5)
    }

    @Test func linear() {
        var rng = SeededRNG(seed: 3)
        checkGradients(
            Linear(name: "l", inFeatures: 7, outFeatures: 5, rng: &rng),
            input: .randomNormal([2, 3, 7], std: 1, rng: &rng))
    }

    @Test func reluGeluDropout() {
        var rng = SeededRNG(seed: 4)
        checkGradients(ReLU(), input: .randomNormal([2, 3, 4, 4], std: 1, rng: &rng))
        checkGradients(GELU(), input: .randomNormal([3, 8], std: 1.5, rng: &rng))
        let drop = Dropout(rate: 0.3, seed: 5)
        let x = Tensor.randomNormal([4, 50], std: 1, rng: &rng)
        let y = drop.forward(x, training: true)
        let kept = y.storage.filter { $0 != 0 }.count
        #expect(kept > 100 && kept < 180)
        let g = drop.backward(Tensor(shape: [4, 50], repeating: 1))
        for i in 0..<200 { #expect(g.storage[i] == (y.storage[i] == 0 ? 0 : 1 / 0.7)) }
        #expect(drop.forward(x, training: false) == x)
    }

    @Test func pooling() {
        var rng = SeededRNG(seed: 6)
        checkGradients(Pool2d(.max, kernel: 2), input: .randomNormal([2, 3, 6, 6], std: 1, rng: &rng))
        checkGradients(
            Pool2d(.average, kernel: 3, stride: 2, padding: 1), input: .randomNormal([2, 2, 7, 7], std: 1, rng: &rng))
        checkGradients(GlobalAvgPool(), input: .randomNormal([3, 2, 4, 5], std: 1, rng: &rng))
    }

    @Test func layerNormAndAttention() {
        var rng = SeededRNG(seed: 7)
        let ln = LayerNorm(name: "ln", features: 6)
        ln.gamma.value = .randomNormal([6], std: 1, rng: &rng)
        checkGradients(ln, input: .randomNormal([2, 3, 6], std: 1, rng: &rng))
        checkGradients(
            MultiHeadSelfAttention(name: "a", dim: 8, heads: 2, rng: &rng),
            input: .randomNormal([2, 5, 8], std: 1, rng: &rng))
        checkGradients(
            TransformerBlock(name: "b", dim: 8, heads: 2, mlpRatio: 2, rng: &rng),
            input: .randomNormal([2, 4, 8], std: 1, rng: &rng))
    }

    @Test func patchEmbeddingParameters() {
        var rng = SeededRNG(seed: 8)
        let pe = PatchEmbedding(name: "pe", channels: 2, height: 4, width: 6, patch: 2, dim: 5, rng: &rng)
        checkGradients(pe, input: .randomNormal([2, 2, 4, 6], std: 1, rng: &rng), checkInput: false)
    }
}
