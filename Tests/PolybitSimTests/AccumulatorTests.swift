import PolybitSim
import Testing

/// A 16-bit accumulator overflows exactly where the arithmetic says it must.
///
/// 1×1 conv over 4 channels, every input 127, 2×2 image, 3 images. Channel 0 has weights
/// [127, 127, 127, −127]: partial sums 16129, 32258, 48387 (over 32767), 32258. Wrapping gives
/// 16129, 32258, −17149, −33278 → 32258 (two overflow events, final value exact); saturating gives
/// 16129, 32258, 32767, 16638 (one event). Channel 1 [127, −127, 127, −127] never overflows.
@Suite struct AccumulatorTests {
    let model = convModel(c: 4, h: 2, w: 2, weights: [127, 127, 127, -127, 127, -127, 127, -127], o: 2, k: 1,
                          requantReal: [1.0 / 512])
    let images = [Int32](repeating: 127, count: 3 * 16)

    func run(_ overflow: OverflowMode) throws -> (SimulationOutput, [LayerTrace]) {
        let sim = try IntegerSimulator(model: model, config: SimulationConfig(
            accumulator: AccumulatorModel(bits: 16, overflow: overflow)))
        #expect(sim.paths == [.integer])
        let (traced, traces) = sim.trace(images: images, count: 3)
        let parallel = sim.run(images: images, count: 3)
        #expect(parallel.outputs == traced.outputs)
        #expect(parallel.layers == traced.layers)
        return (traced, traces)
    }

    @Test func wrapCountsEveryOverflowAndKeepsTheExactSumModulo() throws {
        let (out, traces) = try run(.wrap)
        let acc = traces[0].accumulator!
        for i in 0..<3 {
            #expect(Array(acc[(i * 8)..<(i * 8 + 4)]) == [32258, 32258, 32258, 32258])
            #expect(Array(acc[(i * 8 + 4)..<(i * 8 + 8)]) == [0, 0, 0, 0])
        }
        #expect(out.layers[0].overflow == OverflowCounts(events: 2 * 4 * 3, outputs: 4 * 3))
    }

    @Test func saturateClampsAtEachAddInTheDocumentedOrder() throws {
        let (out, traces) = try run(.saturate)
        let acc = traces[0].accumulator!
        #expect(Array(acc[0..<4]) == [16638, 16638, 16638, 16638])
        #expect(Array(acc[4..<8]) == [0, 0, 0, 0])
        #expect(out.layers[0].overflow == OverflowCounts(events: 4 * 3, outputs: 4 * 3))
        // 16638 / 512 = 32.496 → 32.
        #expect(Array(out.outputs[0..<4]) == [32, 32, 32, 32])
    }

    @Test func wideAccumulatorNeverOverflowsAndUsesTheFastPath() throws {
        let sim = try IntegerSimulator(model: model, config: SimulationConfig(
            accumulator: AccumulatorModel(bits: 18, overflow: .saturate)))
        #expect(sim.paths == [.float32GEMM])
        let out = sim.run(images: images, count: 3)
        #expect(out.layers[0].overflow == OverflowCounts())
        #expect(Array(out.outputs[0..<4]) == [63, 63, 63, 63])   // 32258 / 512 = 63.004
    }

    @Test func biasLoadCanOverflow() throws {
        let m = convModel(c: 1, h: 1, w: 1, weights: [1], o: 1, k: 1, bias: [40000], requantReal: [1.0 / 1024])
        let sim = try IntegerSimulator(model: m, config: SimulationConfig(
            accumulator: AccumulatorModel(bits: 16, overflow: .wrap)))
        let (out, traces) = sim.trace(images: [0], count: 1)
        #expect(traces[0].accumulator! == [40000 - 65536])
        #expect(out.layers[0].overflow == OverflowCounts(events: 1, outputs: 1))
    }
}

/// The Int32-lane accumulator (≤ 31 bits, products below 2^30) and the Int64 one agree: the same
/// layer and images, once with 8-bit inputs and once declared as 16-bit unsigned inputs (so the
/// product bound forces the Int64 loop), at narrow widths in both overflow modes.
@Suite struct AccumulatorLaneTests {
    @Test(arguments: [(12, OverflowMode.wrap), (12, .saturate), (17, .wrap), (17, .saturate), (31, .saturate)])
    func int32LanesEqualInt64Loop(bits: Int, overflow: OverflowMode) throws {
        var rng = TestRNG(UInt64(bits))
        let c = 5, o = 4, k = 3, n = 2
        let weights = rng.ints(o * c * k * k, -128...127)
        let bias = rng.ints(o, -3000...3000)
        let images = rng.ints(n * c * 36, 0...255)
        let config = SimulationConfig(accumulator: AccumulatorModel(bits: bits, overflow: overflow), fastPath: false)
        var results: [[Int64]] = [], counts: [OverflowCounts] = []
        for declared in [8, 16] {
            let model = convModel(c: c, h: 6, w: 6, weights: weights, o: o, k: k, padding: 1, bias: bias,
                                  input: Quantization(bits: declared, signed: false, scale: 0.1, zeroPoint: 100),
                                  requantReal: [0.0005])
            let (out, traces) = try IntegerSimulator(model: model, config: config).trace(images: images, count: n)
            results.append(traces[0].accumulator!)
            counts.append(out.layers[0].overflow)
        }
        #expect(results[0] == results[1])
        #expect(counts[0] == counts[1])
        if bits == 12 { #expect(counts[0].events > 0) }
    }
}
