import PolybitNN
import PolybitTensor
import Testing

/// Conv2d's forward (implicit GEMM over padded planes, im2col panels, or pointwise) against a
/// direct convolution in Double.
@Suite struct ConvForwardTests {
    init() { Compute.configure(threads: 2) }

    static let cases: [(Int, Int, Int, Int, Int, Int)] = [
        // (inC, outC, kernel, stride, padding, size)
        (16, 16, 3, 1, 1, 28), (8, 12, 3, 1, 1, 9), (3, 5, 5, 1, 2, 7), (32, 64, 3, 1, 1, 7), (1, 4, 3, 1, 1, 5),
        (16, 32, 3, 2, 1, 14), (6, 4, 1, 1, 0, 5), (16, 32, 1, 2, 0, 8), (2, 3, 3, 1, 0, 6),
    ]

    @Test(arguments: cases)
    func matchesDirectConvolution(_ c: (Int, Int, Int, Int, Int, Int)) {
        let (inC, outC, k, stride, pad, size) = c
        var rng = SeededRNG(seed: UInt64(inC * 31 + outC + size))
        let conv = Conv2d(
            name: "c", inChannels: inC, outChannels: outC, kernel: k, stride: stride, padding: pad,
            bias: true, rng: &rng)
        conv.bias!.value = .randomNormal([outC], std: 1, rng: &rng)
        let n = 3
        let x = Tensor.randomNormal([inC, n, size, size], std: 1, rng: &rng)
        let y = conv.forward(x, training: false)
        let outSize = (size + 2 * pad - k) / stride + 1
        #expect(y.shape == [outC, n, outSize, outSize])
        let w = conv.weight.value.storage, b = conv.bias!.value.storage
        var worst = 0.0
        for o in 0..<outC {
            for i in 0..<n {
                for oy in 0..<outSize {
                    for ox in 0..<outSize {
                        var s = Double(b[o])
                        for ci in 0..<inC {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * stride - pad + ky, ix = ox * stride - pad + kx
                                    guard iy >= 0, iy < size, ix >= 0, ix < size else { continue }
                                    s +=
                                        Double(w[((o * inC + ci) * k + ky) * k + kx])
                                        * Double(x.storage[((ci * n + i) * size + iy) * size + ix])
                                }
                            }
                        }
                        worst = max(worst, abs(s - Double(y.storage[((o * n + i) * outSize + oy) * outSize + ox])))
                    }
                }
            }
        }
        #expect(worst < 1e-4 * Double(inC * k * k).squareRoot(), "largest difference \(worst)")
    }
}
