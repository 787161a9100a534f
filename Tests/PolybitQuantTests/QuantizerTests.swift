import PolybitNN
import PolybitQuant
import PolybitTensor
import Testing

@Suite struct QuantizerTests {
    /// step 0.5, 3-bit signed grid [−4, 3], worked by hand.
    @Test func lsqForwardAndBackwardByHand() {
        let x: [Float] = [0.26, -0.25, 0.75, 1.9, -3.0, 0.24]
        let dy: [Float] = [1, 2, 3, 4, 5, 6]
        var y = [Float](repeating: 0, count: 6), dx = y
        let grid = QuantGrid(bits: 3, signed: true)
        var dStep: Float = 0
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { LSQ.forward(6, xp.baseAddress!, $0.baseAddress!, step: 0.5, grid: grid) }
            dy.withUnsafeBufferPointer { g in
                dx.withUnsafeMutableBufferPointer { d in
                    dStep = LSQ.backward(6, xp.baseAddress!, g.baseAddress!, d.baseAddress!, step: 0.5, grid: grid)
                }
            }
        }
        // x/s = 0.52, −0.5, 1.5, 3.8, −6, 0.48 → round half even 1, −0, 2, (clip 3), (clip −4), 0
        #expect(y == [0.5, 0, 1.0, 1.5, -2.0, 0])
        #expect(dx == [1, 2, 3, 0, 0, 6])
        // 0.48·1 + 0.5·2 + 0.5·3 + 3·4 + (−4)·5 + (−0.48)·6 = −7.9
        #expect(abs(dStep - -7.9) < 1e-5)
    }

    @Test func unsignedGridClipsAtZero() {
        let g = QuantGrid(bits: 2, signed: false)
        #expect(g.qmin == 0 && g.qmax == 3)
        let s = QuantGrid(bits: 4, signed: true)
        #expect(s.qmin == -8 && s.qmax == 7)
    }

    func moments(_ v: ArraySlice<Float>) -> (Double, Double) {
        let m = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
        return (m, v.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(v.count))
    }

    @Test(arguments: [2, 3, 4, 8])
    func biasCorrectionRestoresStatistics(bits: Int) {
        var rng = SeededRNG(seed: UInt64(bits))
        var w = Tensor.randomNormal([4, 3, 3, 3], std: 0.2, rng: &rng)
        for i in 0..<27 { w.storage[i] += 0.05 }  // a channel with a nonzero mean
        for form in [BiasCorrection.paper, .exact] {
            var options = QuantizerOptions()
            options.biasCorrection = form
            let q = WeightQuantizer(name: "w", weight: w, bitWidths: [bits], options: options)
            q.bits = bits
            let corrected = q.forward(w, training: false)
            q.options.biasCorrection = .off
            let plain = q.forward(w, training: false)
            for c in 0..<4 {
                let r = (c * 27)..<((c + 1) * 27)
                let (mw, vw) = moments(w.storage[r]), (mq, vq) = moments(plain.storage[r])
                let (mc, vc) = moments(corrected.storage[r])
                let ratio = (vw / vq).squareRoot()
                #expect(abs(vc - vw) <= 1e-5 * vw, "\(form) \(bits)-bit channel \(c): variance \(vc) vs latent \(vw)")
                let expectedMean = form == .paper ? ratio * mw : mw
                #expect(
                    abs(mc - expectedMean) < 1e-6,
                    "\(form) channel \(c): mean \(mc) vs \(expectedMean) (quantized \(mq))")
            }
        }
    }

    @Test func correctionScalesTheStraightThroughGradient() {
        var rng = SeededRNG(seed: 9)
        let w = Tensor.randomNormal([2, 8], std: 1, rng: &rng)
        let q = WeightQuantizer(name: "w", weight: w, bitWidths: [3], options: QuantizerOptions())
        q.bits = 3
        let corrected = q.forward(w, training: true)
        let g = Tensor(shape: [2, 8], repeating: 1)
        let dw = q.backward(g)
        let form = q.integerForm(w, bits: 3)
        let step = q.steps[3]!.value.storage[0]
        for c in 0..<2 {
            for i in 0..<8 {
                let k = c * 8 + i
                let v = w.storage[k] / step
                let inside = v >= -4 && v <= 3
                #expect(dw.storage[k] == (inside ? form.correction.a[c] : 0))
                // The integer form reproduces the fake-quantized weights.
                let rebuilt = form.correction.a[c] * step * Float(form.q[k]) + form.correction.b[c]
                #expect(abs(rebuilt - corrected.storage[k]) < 1e-6)
            }
        }
        #expect(q.steps[3]!.grad.storage[0] == 0, "statistics steps are not trained")
        var learned = QuantizerOptions()
        learned.weightStep = .learned
        learned.biasCorrection = .off
        let l = WeightQuantizer(name: "l", weight: w, bitWidths: [3], options: learned)
        l.bits = 3
        _ = l.forward(w, training: true)
        _ = l.backward(g)
        #expect(l.steps[3]!.grad.storage[0] != 0, "learned steps get an LSQ gradient")
    }

    /// Statistics steps clip at the Gaussian-optimal α_b·σ and exist at every width.
    @Test func statisticsStepsFollowTheWeights() {
        var rng = SeededRNG(seed: 12)
        let w = Tensor.randomNormal([64, 64], std: 0.5, rng: &rng)
        let q = WeightQuantizer(name: "w", weight: w, bitWidths: [2, 3, 8], options: QuantizerOptions())
        #expect(abs(q.steps[2]!.value.storage[0] - 1.71 * 0.5 / 2) < 0.01)
        #expect(abs(q.steps[8]!.value.storage[0] - 3.92 * 0.5 / 128) < 1e-3)
        q.bits = 3
        _ = q.forward(w * 2, training: false)
        #expect(abs(q.steps[3]!.value.storage[0] - 2.15 * 1.0 / 4) < 0.01, "recomputed from the weights each forward")
    }

    @Test func untrainedStepsInterpolateClipRanges() {
        let w = Tensor(shape: [1, 4], storage: [0.1, -0.2, 0.3, -0.4])
        var learned = QuantizerOptions()
        learned.weightStep = .learned
        let q = WeightQuantizer(name: "w", weight: w, bitWidths: [2, 3, 4, 8], options: learned)
        q.steps[2]!.value.storage[0] = 0.3  // clip 0.3·1 = 0.3
        q.steps[4]!.value.storage[0] = 0.1  // clip 0.1·7 = 0.7
        q.steps[8]!.value.storage[0] = 0.01  // clip 1.27
        q.interpolateUntrainedSteps(trained: [2, 4, 8])
        #expect(abs(q.steps[3]!.value.storage[0] - 0.5 / 3) < 1e-6)  // clip 0.5 over qmax 3
        #expect(q.steps[2]!.value.storage[0] == 0.3)
        let a = ActivationQuantizer(name: "a", signed: false, bitWidths: [2, 5, 8], options: QuantizerOptions())
        a.interpolateUntrainedSteps(trained: [2, 8])  // nothing trained yet: stays uninitialized
        #expect(a.steps[5]!.value.storage[0] == 0)
    }

    @Test func activationStepInitializesFromDataAndPassesFloat() {
        let a = ActivationQuantizer(name: "a", signed: false, bitWidths: [2, 4], options: QuantizerOptions())
        let x = Tensor(shape: [4], storage: [1, 2, 3, 6])
        #expect(a.forward(x, training: false) == x)
        a.bits = 4
        let y = a.forward(x, training: false)
        let step = a.steps[4]!.value.storage[0]
        #expect(abs(step - 2 * 3 / Float(15).squareRoot()) < 1e-6)
        #expect(abs(a.steps[2]!.value.storage[0] - 2 * 3 / Float(3).squareRoot()) < 1e-6, "every width initialized")
        #expect(y.storage.allSatisfy { abs(($0 / step).rounded() - $0 / step) < 1e-4 })
    }

    @Test func bitWidthSetParsing() throws {
        let s = try BitWidthSet(parsing: "2-4,8,32", flag: "--bits")
        #expect(s.bits == [2, 3, 4, 8] && s.includesFloat)
        #expect(s.precisionsHighestFirst.map(\.description) == ["fp32", "8-bit", "4-bit", "3-bit", "2-bit"])
        for bad in ["", "x", "9-3", "1", "17", "2,,4"] {
            #expect(throws: InputError.self) { try BitWidthSet(parsing: bad, flag: "--bits") }
        }
        // Found by tools/fuzz.sh recipe: the range was expanded (9e18 widths) before the check.
        #expect {
            try BitWidthSet(parsing: "1-8999999999999999991", flag: "--bits")
        } throws: { "\($0)" == "--bits 1-8999999999999999991: 1 bits is outside 2...16 (use 32 for float)" }
        #expect {
            try BitWidthSet(parsing: "4-8999999999999999991", flag: "--bits")
        } throws: { "\($0)".contains(": 8999999999999999991 bits is outside 2...16") }
    }
}
