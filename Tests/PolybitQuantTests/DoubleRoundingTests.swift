import PolybitNN
import PolybitQuant
import PolybitTensor
import Testing

@Suite struct DoubleRoundingTests {
    init() { Compute.configure(threads: 2) }

    /// Kernel outputs and gradients at `floor`: 4-bit grid [−8, 7] at step 0.5, shifted 2 to the
    /// 2-bit grid [−2, 1] (step 2).
    func kernel(floor: Bool) -> (y: [Float], dx: [Float], dStep: Float) {
        let x: [Float] = [1.25, -1.25, 2.75, -3.25, 5.0, 0.6]
        let dy: [Float] = [1, 2, 3, 4, 5, 6]
        var y = [Float](repeating: 0, count: 6), dx = y, dStep: Float = 0
        let high = QuantGrid(bits: 4, signed: true), low = QuantGrid(bits: 2, signed: true)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer {
                DoubleRounding.forward(
                    6, xp.baseAddress!, $0.baseAddress!, stepHigh: 0.5, high: high, low: low,
                    shift: 2, floor: floor)
            }
            dy.withUnsafeBufferPointer { g in
                dx.withUnsafeMutableBufferPointer { d in
                    dStep = DoubleRounding.backward(
                        6, xp.baseAddress!, g.baseAddress!, d.baseAddress!, stepHigh: 0.5,
                        high: high, low: low, shift: 2, floor: floor)
                }
            }
        }
        return (y, dx, dStep)
    }

    /// x/s_h = 2.5, −2.5, 5.5, −6.5, 10, 1.2 → q_h (half to even, clip 7) = 2, −2, 6, −6, 7, 1.
    /// Round: (q_h + 2) >> 2 = 1, 0, 2 (clip 1), −1, 2 (clip 1), 0.
    @Test func roundShiftByHand() {
        let r = kernel(floor: false)
        #expect(r.y == [2, 0, 2, -2, 2, 0])
        #expect(r.dx == [1, 2, 0, 4, 0, 6])
        // inside: g·(4·q_l − x/s_h); clipped: g·4·q_l
        // 1·(4 − 2.5) + 2·(0 + 2.5) + 3·4 + 4·(−4 + 6.5) + 5·4 + 6·(0 − 1.2) = 41.3
        #expect(abs(r.dStep - 41.3) < 1e-4)
    }

    /// Floor: q_h >> 2 = 0, −1, 1, −2, 1 (7 was clipped at 4 bits), 0.
    @Test func floorShiftByHand() {
        let r = kernel(floor: true)
        #expect(r.y == [0, -2, 2, -4, 2, 0])
        #expect(r.dx == [1, 2, 3, 4, 0, 6])
        // −2.5 + 2·(−4 + 2.5) + 3·(4 − 5.5) + 4·(−8 + 6.5) + 5·4 + 6·(−1.2) = −3.2
        #expect(abs(r.dStep - -3.2) < 1e-4)
    }

    /// Every lower width's integers are the rounding shift of the 8-bit ones, at 2^Δ times the
    /// 8-bit step, and the training forward runs exactly those integers (bias correction applied).
    @Test(arguments: [WeightRounding.double, .doubleFloor])
    func lowerWidthsAreShiftsOfTheHighest(rounding: WeightRounding) {
        var rng = SeededRNG(seed: 7)
        let w = Tensor.randomNormal([8, 4, 3, 3], std: 0.2, rng: &rng)
        var options = QuantizerOptions()
        options.weightRounding = rounding
        let q = WeightQuantizer(name: "w", weight: w, bitWidths: Array(2...8), options: options)
        #expect(q.highestBits == 8)
        let top = q.integerForm(w, bits: 8)
        #expect(Set(top.q).count > 100, "the 8-bit grid is used")
        for l in 2...7 {
            let shift = Int32(8 - l), form = q.integerForm(w, bits: l)
            let expected = top.q.map { qh -> Int32 in
                let s = rounding == .doubleFloor ? qh >> shift : (qh + (1 << (shift - 1))) >> shift
                return min(max(s, -(1 << Int32(l - 1))), (1 << Int32(l - 1)) - 1)
            }
            #expect(form.q == expected, "\(l) bits")
            #expect(form.step == top.step * Float(1 << shift))
            q.bits = l
            let y = q.forward(w, training: false), size = w.count / 8
            let rebuilt = (0..<w.count).map { i in
                form.correction.a[i / size] * form.step * Float(form.q[i]) + form.correction.b[i / size]
            }
            #expect(zip(y.storage, rebuilt).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(l) bits")
        }
    }

    /// With learned steps, a lower width's step gradient goes to the shared 8-bit step, weighted
    /// by `sharedStepGradientFactor`; the lower width's own step gets nothing.
    @Test func learnedDoubleRoundingTrainsTheSharedStep() {
        var rng = SeededRNG(seed: 3)
        let w = Tensor.randomNormal([4, 16], std: 0.5, rng: &rng)
        var options = QuantizerOptions()
        options.weightRounding = .double; options.weightStep = .learned; options.biasCorrection = .off
        func stepGrads(factor: Float?) -> (Float, Float) {
            let q = WeightQuantizer(name: "w", weight: w, bitWidths: [2, 4, 8], options: options)
            if let factor { q.sharedStepGradientFactor[2] = factor }
            q.bits = 2
            let y = q.forward(w, training: true)
            _ = q.backward(y)  // L = ½‖ŵ‖²
            return (q.steps[2]!.grad.storage[0], q.steps[8]!.grad.storage[0])
        }
        let (own, shared) = stepGrads(factor: nil), (_, weighted) = stepGrads(factor: 0.001)
        #expect(own == 0)
        #expect(shared != 0)
        #expect(abs(weighted - 0.001 * shared) <= 1e-6 * abs(shared))
    }

    @Test func adaptiveStepLearningRatesFollowThePaper() throws {
        #expect([8, 6, 4, 2].map { adaptiveStepLearningRate(bits: $0, highest: 8) } == [1, 0.1, 0.01, 0.001])
        #expect([4, 3, 2].map { adaptiveStepLearningRate(bits: $0, highest: 4) } == [1, 0.5, 0.1])
        #expect(adaptiveStepLearningRate(bits: 5, highest: 8) == 0.05)
        let net = ResNet(depth: 8, inputChannels: 1, classes: 3, seed: 1)
        let q = try QuantizedNetwork(model: net, bitWidths: [2, 3, 4, 8], options: QuantizerOptions())
        q.applyAdaptiveStepLearningRates(trained: [2, 3, 4])
        for a in q.activationQuantizers {
            #expect(a.steps.mapValues(\.learningRateScale) == [2: 0.1, 3: 0.5, 4: 1, 8: 1], "\(a.name)")
        }
    }

    /// A few multi-bit steps on one batch lower the loss at every width with Double Rounding.
    @Test(arguments: [false, true])
    func multiBitStepsLowerLoss(alrs: Bool) throws {
        let net = ResNet(depth: 8, inputChannels: 1, classes: 4, seed: 2)
        var options = QuantizerOptions()
        options.weightRounding = .double; options.alrs = alrs
        let q = try QuantizedNetwork(model: net, bitWidths: [2, 4, 8], options: options)
        if alrs { q.applyAdaptiveStepLearningRates(trained: [2, 4, 8]) }
        expectMultiBitStepsLowerLoss(net, q)
    }
}
