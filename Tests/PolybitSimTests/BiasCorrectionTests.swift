import PolybitSim
import Testing

/// A conv with bias-correction constants z_c = Z_c / 2^F (and optionally a bias fraction R_c / 2^F)
/// matches a float64 reference of `Σq·x' + z_c·Σx' + bias + R_c/2^F` and its requantization exactly.
@Suite struct BiasCorrectionTests {
    @Test(arguments: [(true, false), (false, false), (true, true), (false, true)])
    func convWithZcMatchesFloat64Reference(fastPath: Bool, withFraction: Bool) throws {
        var rng = TestRNG(42)
        let c = 3, h = 6, w = 5, o = 4, k = 3, f = 8, n = 2
        let weights = rng.ints(o * c * k * k, -8...7)
        let zc = (0..<o).map { _ in Int64(rng.int(-900...900)) }
        let fraction: [Int64]? = withFraction ? (0..<o).map { _ in Int64(rng.int(-128...128)) } : nil
        let bias = rng.ints(o, -200...200)
        let input = Quantization(bits: 8, signed: false, scale: 0.02, zeroPoint: 37)
        let output = Quantization(bits: 8, signed: true, scale: 0.05, zeroPoint: -4)
        let reals = (0..<o).map { _ in Double(rng.int(10...40)) / 1000 }
        let model = convModel(
            c: c, h: h, w: w, weights: weights, o: o, k: k, stride: 2, padding: 1,
            bias: bias, zc: zc, zcBits: f, biasFraction: fraction, weightBits: 4, input: input, output: output,
            requantReal: reals)
        let images = rng.ints(n * c * h * w, 0...255)
        let sim = try IntegerSimulator(model: model, config: SimulationConfig(fastPath: fastPath))
        let (out, traces) = sim.trace(images: images, count: n)
        let oh = 3, ow = 3
        var differ = 0
        for i in 0..<n {
            for oc in 0..<o {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var dot = 0.0, sum = 0.0
                        for ci in 0..<c {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    let x = Double(images[((i * c + ci) * h + iy) * w + ix] - 37)
                                    dot += Double(weights[((oc * c + ci) * k + ky) * k + kx]) * x
                                    sum += x
                                }
                            }
                        }
                        let ref = dot + Double(zc[oc]) / 256 * sum + Double(bias[oc]) + Double(fraction?[oc] ?? 0) / 256
                        let idx = ((i * o + oc) * oh + oy) * ow + ox
                        #expect(Double(traces[0].accumulator![idx]) == ref * 256)
                        let v = min(max(Float(ref) * Float(reals[oc]), -128 + 4), 127 + 4)
                        let y = Int32(v.rounded(.toNearestOrEven)) - 4
                        if y != out.outputs[idx] { differ += 1 }
                    }
                }
            }
        }
        #expect(differ == 0)
    }
}
