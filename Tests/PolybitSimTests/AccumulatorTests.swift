import PolybitSim
import Testing

/// A 16-bit accumulator overflows exactly where the arithmetic says it must.
///
/// 1×1 conv over 4 channels, every input 127, 2×2 image, 3 images. Channel 0 has weights
/// [127, 127, 127, −127]: partial sums 16129, 32258, 48387 (over 32767), 32258. Wrapping gives
/// 16129, 32258, −17149, −33278 → 32258 (two overflow events, final value exact); saturating gives
/// 16129, 32258, 32767, 16638 (one event). Channel 1 [127, −127, 127, −127] never overflows.
@Suite struct AccumulatorTests {
    let model = convModel(
        c: 4, h: 2, w: 2, weights: [127, 127, 127, -127, 127, -127, 127, -127], o: 2, k: 1,
        requantReal: [1.0 / 512])
    let images = [Int32](repeating: 127, count: 3 * 16)

    func run(_ overflow: OverflowMode) throws -> (SimulationOutput, [LayerTrace]) {
        let sim = try IntegerSimulator(
            model: model,
            config: SimulationConfig(
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
        let sim = try IntegerSimulator(
            model: model,
            config: SimulationConfig(
                accumulator: AccumulatorModel(bits: 18, overflow: .saturate)))
        #expect(sim.paths == [.float32GEMM])
        let out = sim.run(images: images, count: 3)
        #expect(out.layers[0].overflow == OverflowCounts())
        #expect(Array(out.outputs[0..<4]) == [63, 63, 63, 63])  // 32258 / 512 = 63.004
    }

    @Test func biasLoadCanOverflow() throws {
        let m = convModel(c: 1, h: 1, w: 1, weights: [1], o: 1, k: 1, bias: [40000], requantReal: [1.0 / 1024])
        let sim = try IntegerSimulator(
            model: m,
            config: SimulationConfig(
                accumulator: AccumulatorModel(bits: 16, overflow: .wrap)))
        let (out, traces) = sim.trace(images: [0], count: 1)
        #expect(traces[0].accumulator! == [40000 - 65536])
        #expect(out.layers[0].overflow == OverflowCounts(events: 1, outputs: 1))
    }
}

/// Both integer accumulation loops (Int32 lanes for widths up to 31 bits with products below 2^30,
/// Int64 otherwise) against a plain reference of the documented order: bias first, then c, ky, kx,
/// wrapping or saturating at every add.
@Suite struct AccumulatorOrderTests {
    func reference(
        _ w: [Int32], _ bias: [Int32], _ x: [Int32], zp: Int32, c: Int, h: Int, o: Int, k: Int, pad: Int,
        acc model: AccumulatorModel
    ) -> ([Int64], OverflowCounts) {
        let lo = model.minValue, hi = model.maxValue
        func narrow(_ v: Int64) -> Int64 {
            if v >= lo && v <= hi { return v }
            if model.overflow == .saturate { return min(max(v, lo), hi) }
            let m = Int64(1) << model.bits
            var r = v % m
            if r > hi { r -= m }
            if r < lo { r += m }
            return r
        }
        var out: [Int64] = [], counts = OverflowCounts()
        for oc in 0..<o {
            for oy in 0..<h {
                for ox in 0..<h {
                    var a = narrow(Int64(bias[oc]))
                    var events = a != Int64(bias[oc]) ? 1 : 0
                    for ci in 0..<c {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy - pad + ky, ix = ox - pad + kx
                                let xv =
                                    iy >= 0 && iy < h && ix >= 0 && ix < h ? Int64(x[(ci * h + iy) * h + ix] - zp) : 0
                                let exact = a + Int64(w[((oc * c + ci) * k + ky) * k + kx]) * xv
                                a = narrow(exact)
                                if a != exact { events += 1 }
                            }
                        }
                    }
                    out.append(a)
                    counts.events += events
                    counts.outputs += events > 0 ? 1 : 0
                }
            }
        }
        return (out, counts)
    }

    @Test(arguments: [
        (8, 12, OverflowMode.wrap), (8, 12, .saturate), (8, 17, .wrap), (8, 17, .saturate), (8, 31, .saturate),
        (16, 32, .wrap), (16, 32, .saturate), (16, 64, .wrap),
    ])
    func integerLoopsFollowTheDocumentedOrder(valueBits: Int, bits: Int, overflow: OverflowMode) throws {
        var rng = TestRNG(UInt64(valueBits * 100 + bits))
        let c = 5, o = 4, k = 3, h = 6
        let wmax = (1 << (valueBits - 1)) - 1, xmax = (1 << valueBits) - 1
        let weights = rng.ints(o * c * k * k, -wmax...wmax)
        let bias = rng.ints(o, -3000...3000)
        let zp = Int32(xmax / 3)
        let images = rng.ints(c * h * h, 0...xmax)
        let acc = AccumulatorModel(bits: bits, overflow: overflow)
        let model = convModel(
            c: c, h: h, w: h, weights: weights, o: o, k: k, padding: 1, bias: bias, weightBits: valueBits,
            input: Quantization(bits: valueBits, signed: false, scale: 0.1, zeroPoint: Int(zp)),
            requantReal: [0.0005])
        let sim = try IntegerSimulator(model: model, config: SimulationConfig(accumulator: acc, fastPath: false))
        let (out, traces) = sim.trace(images: images, count: 1)
        let (expected, counts) = reference(weights, bias, images, zp: zp, c: c, h: h, o: o, k: k, pad: 1, acc: acc)
        #expect(traces[0].accumulator! == expected)
        #expect(out.layers[0].overflow == counts)
        if bits == 12 || bits == 32 { #expect(counts.events > 0) }
    }
}
