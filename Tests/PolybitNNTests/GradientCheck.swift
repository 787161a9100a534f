import PolybitNN
import PolybitTensor
import Testing

/// Central-difference check of a layer's input and parameter gradients for the loss
/// `L = Σ y ⊙ r` with a fixed random `r`. Checks `samples` random coordinates of each tensor.
func checkGradients(
    _ layer: any Layer, input: Tensor, samples: Int = 12, epsilon: Float = 1e-2,
    tolerance: Float = 2e-2, checkInput: Bool = true, seed: UInt64 = 99,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    var rng = SeededRNG(seed: seed)
    let y0 = layer.forward(input, training: true)
    let r = Tensor.randomNormal(y0.shape, std: 1, rng: &rng)
    func loss(_ x: Tensor) -> Double {
        let y = layer.forward(x, training: true)
        return zip(y.storage, r.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    for p in layer.parameters { p.zeroGrad() }
    _ = layer.forward(input, training: true)
    let dx = layer.backward(r)
    let analytic = layer.parameters.filter(\.isTrainable).map { ($0, $0.grad) }

    func compare(_ name: String, _ a: Float, _ n: Double) {
        let err = abs(Double(a) - n)
        let scale = max(1, abs(n), abs(Double(a)))
        #expect(
            err <= Double(tolerance) * scale, "\(name): analytic \(a) vs numeric \(n)", sourceLocation: sourceLocation)
    }
    if checkInput {
        for _ in 0..<samples {
            let i = rng.nextInt(below: input.count)
            var plus = input, minus = input
            plus.storage[i] += epsilon; minus.storage[i] -= epsilon
            compare("input[\(i)]", dx.storage[i], (loss(plus) - loss(minus)) / Double(2 * epsilon))
        }
    }
    for (p, g) in analytic {
        for _ in 0..<min(samples, p.value.count) {
            let i = rng.nextInt(below: p.value.count)
            let saved = p.value.storage[i]
            p.value.storage[i] = saved + epsilon
            let lp = loss(input)
            p.value.storage[i] = saved - epsilon
            let lm = loss(input)
            p.value.storage[i] = saved
            compare("\(p.name)[\(i)]", g.storage[i], (lp - lm) / Double(2 * epsilon))
        }
    }
}
