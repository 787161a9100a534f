import PolybitNN
import PolybitTensor
import Testing

/// Winograd F(2×2, 3×3) convolutions against the same layer run as an implicit GEMM: output, input
/// gradient, weight and bias gradients, on shapes with odd sizes and with several image groups per
/// worker (the last one ragged).
@Suite struct WinogradTests {
    init() { Compute.configure(threads: 2) }

    static let cases: [(Int, Int, Int, Int)] = [
        // (inC, outC, size, images): 28×28 puts one image in a group, 14×14 five, 7×7 sixteen.
        (16, 16, 28, 3), (8, 12, 14, 13), (5, 3, 7, 37), (2, 3, 9, 2), (3, 2, 1, 4), (3, 5, 2, 3), (1, 4, 5, 6),
    ]

    @Test(arguments: cases)
    func matchesImplicitGemm(_ c: (Int, Int, Int, Int)) {
        let (inC, outC, size, n) = c
        func layer(winograd: Bool) -> Conv2d {
            var rng = SeededRNG(seed: 7)
            let conv = Conv2d(
                name: "c", inChannels: inC, outChannels: outC, kernel: 3, padding: 1, bias: true, rng: &rng)
            conv.winograd = winograd
            return conv
        }
        var rng = SeededRNG(seed: UInt64(inC * 100 + size))
        let x = Tensor.randomNormal([inC, n, size, size], std: 1, rng: &rng)
        let dy = Tensor.randomNormal([outC, n, size, size], std: 1, rng: &rng)
        let (fast, reference) = (layer(winograd: true), layer(winograd: false))
        let y = fast.forward(x, training: true), yRef = reference.forward(x, training: true)
        let dx = fast.backward(dy), dxRef = reference.backward(dy)
        // Float32 sums of 9·C (forward) or 9·O (input gradient) or N·H·W (weight gradient) terms.
        func expectClose(_ a: Tensor, _ b: Tensor, terms: Int, _ what: String) {
            #expect(a.shape == b.shape, "\(what) shape")
            let worst = zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 2e-6 * Float(terms), "\(what): largest difference \(worst)")
        }
        expectClose(y, yRef, terms: 9 * inC, "output")
        expectClose(dx, dxRef, terms: 9 * outC, "input gradient")
        expectClose(fast.weight.grad, reference.weight.grad, terms: n * size * size, "weight gradient")
        expectClose(fast.bias!.grad, reference.bias!.grad, terms: n * size * size, "bias gradient")
    }
}
