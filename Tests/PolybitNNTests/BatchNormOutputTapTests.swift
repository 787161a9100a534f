import PolybitNN
import PolybitTensor
import Testing

/// `BatchNorm2d.keepsOutput` / `extraOutputGradient`: a loss on the layer's output enters
/// backpropagation exactly (central differences), with and without the fused ReLU.
@Suite struct BatchNormOutputTapTests {
    @Test(arguments: [false, true])
    func aLossOnTheOutputBackpropagatesExactly(relu: Bool) throws {
        var rng = SeededRNG(seed: 5)
        let bn = BatchNorm2d(name: "bn", channels: 3, appliesReLU: relu)
        bn.gamma.value = Tensor.randomNormal([3], std: 0.5, rng: &rng) + Tensor(shape: [3], repeating: 1)
        let x = Tensor.randomNormal([3, 2, 3, 3], std: 1, rng: &rng)
        let r = Tensor.randomNormal([3, 2, 3, 3], std: 1, rng: &rng)
        let target = Tensor.randomNormal([3, 2, 3, 3], std: 1, rng: &rng)
        let lambda: Float = 0.7
        // L = Σ r·y + λ Σ (y − t)²: the second term through extraOutputGradient = 2λ(y − t).
        func loss(_ input: Tensor) -> Double {
            let y = bn.forward(input, training: true)
            return zip(zip(y.storage, r.storage), target.storage).reduce(0.0) { acc, v in
                let ((yi, ri), ti) = v
                return acc + Double(yi * ri) + Double(lambda) * Double((yi - ti) * (yi - ti))
            }
        }
        bn.keepsOutput = true
        let y = bn.forward(x, training: true)
        #expect(bn.lastOutput == y)
        bn.extraOutputGradient = Tensor(
            shape: y.shape, storage: zip(y.storage, target.storage).map { 2 * lambda * ($0 - $1) })
        let dx = bn.backward(r)
        #expect(bn.extraOutputGradient == nil, "the extra gradient is used once")
        let eps: Float = 1e-2
        for i in stride(from: 0, to: x.count, by: 5) {
            var plus = x, minus = x
            plus.storage[i] += eps; minus.storage[i] -= eps
            let numeric = (loss(plus) - loss(minus)) / Double(2 * eps)
            #expect(
                abs(Double(dx.storage[i]) - numeric) <= 3e-2 * max(1, abs(numeric)),
                "x[\(i)]: \(dx.storage[i]) vs \(numeric)")
        }
        bn.keepsOutput = false
        _ = bn.forward(x, training: true)
        #expect(bn.lastOutput == nil)
    }
}
