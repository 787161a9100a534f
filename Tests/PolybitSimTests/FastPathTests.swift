import PolybitSim
import Testing

/// The float32/float64 GEMM paths give exactly the integer path's accumulators and outputs.
@Suite struct FastPathTests {
    @Test(arguments: [(8, 8, 1), (8, 8, 3), (12, 12, 3), (4, 8, 5), (16, 10, 1)])
    func fastPathEqualsIntegerPath(weightBits: Int, activationBits: Int, k: Int) throws {
        var rng = TestRNG(UInt64(weightBits * 100 + activationBits * 10 + k))
        let c = 6, h = 9, w = 7, o = 5, n = 3
        let wmax = (1 << (weightBits - 1)) - 1
        let weights = rng.ints(o * c * k * k, -wmax - 1...wmax)
        let input = Quantization(
            bits: activationBits, signed: false, scale: 0.1, zeroPoint: rng.int(0...((1 << activationBits) - 1)))
        let output = Quantization(bits: 8, signed: true, scale: 0.1, zeroPoint: 3)
        let zc = (0..<o).map { _ in Int64(rng.int(-5000...5000)) }
        let bias = rng.ints(o, -100_000...100_000)
        let reals = (0..<o).map { _ in Double(rng.int(1...50)) / Double(1 << (weightBits + activationBits)) / 4 }
        for withZc in [false, true] {
            let model = convModel(
                c: c, h: h, w: w, weights: weights, o: o, k: k, stride: k == 5 ? 2 : 1,
                padding: k / 2, bias: bias, zc: withZc ? zc : nil, zcBits: withZc ? 6 : 0,
                weightBits: weightBits, input: input, output: output, requantReal: reals)
            let images = rng.ints(n * c * h * w, 0...((1 << activationBits) - 1))
            for mode in RequantMode.allCases {
                let fast = try IntegerSimulator(
                    model: model,
                    config: SimulationConfig(
                        requant: mode, accumulator: AccumulatorModel(bits: 48)))
                let slow = try IntegerSimulator(
                    model: model,
                    config: SimulationConfig(
                        requant: mode, accumulator: AccumulatorModel(bits: 48), fastPath: false))
                #expect(fast.paths[0] != .integer)
                #expect(slow.paths[0] == .integer)
                let (a, ta) = fast.trace(images: images, count: n)
                let (b, tb) = slow.trace(images: images, count: n)
                #expect(ta[0].accumulator! == tb[0].accumulator!)
                #expect(a.outputs == b.outputs)
                #expect(fast.run(images: images, count: n).outputs == a.outputs)
            }
        }
    }

    @Test func pathChoiceFollowsTheBounds() throws {
        // K · max|q| · max|x'| = 9 · 127 · 128 < 2^24: float32. 12-bit × 12-bit: float64.
        let small = convModel(c: 1, h: 4, w: 4, weights: [Int32](repeating: -127, count: 9), o: 1, k: 3)
        #expect(try IntegerSimulator(model: small).paths == [.float32GEMM])
        let wide = convModel(
            c: 1, h: 4, w: 4, weights: [Int32](repeating: 2047, count: 9), o: 1, k: 3,
            weightBits: 12, input: Quantization(bits: 12, signed: true, scale: 1, zeroPoint: 0))
        #expect(try IntegerSimulator(model: wide).paths == [.float64GEMM])
        #expect(
            try IntegerSimulator(
                model: wide,
                config: SimulationConfig(
                    accumulator: AccumulatorModel(bits: 24))
            ).paths == [.integer])
    }
}
