import PolybitSim
import Testing

/// Hand-worked requantization vectors for the three modes.
@Suite struct RequantTests {
    func fixed(_ x: Int64, _ m: Int32, _ s: Int32, _ mode: RequantMode, f: Int = 0) -> Int64 {
        Requant.fixedPoint(x, fractionBits: f, multiplier: m, shift: s, mode: mode)
    }

    @Test func knownDoubleVersusSingleCase() {
        // Real value 7984 · 1583594044 · 2^(−9−31) = 11.4991: the doubling high multiply gives
        // 5888 (5887.5 rounded up), then /512 = 11.5 rounds away to 12; single rounding gives 11.
        #expect(Requant.doublingHighMul(7984, 1_583_594_044) == 5888)
        #expect(fixed(7984, 1_583_594_044, -9, .double) == 12)
        #expect(fixed(7984, 1_583_594_044, -9, .single) == 11)
        #expect(fixed(-7984, 1_583_594_044, -9, .double) == -12)
        #expect(fixed(-7984, 1_583_594_044, -9, .single) == -11)
    }

    @Test func tiesAndNegatives() {
        let half: Int32 = 1 << 30  // 0.5 in Q31
        // 3 · 0.5 = 1.5: both fixed-point modes round ties toward +∞; onnx rounds half to even.
        #expect(fixed(3, half, 0, .double) == 2)
        #expect(fixed(3, half, 0, .single) == 2)
        #expect(fixed(-3, half, 0, .double) == -1)
        #expect(fixed(-3, half, 0, .single) == -1)
        #expect(Requant.onnx(3, fractionBits: 0, scale: 0.5, zeroPoint: 0, qmin: -128, qmax: 127) == 2)
        #expect(Requant.onnx(-3, fractionBits: 0, scale: 0.5, zeroPoint: 0, qmin: -128, qmax: 127) == -2)
        #expect(Requant.onnx(5, fractionBits: 0, scale: 0.5, zeroPoint: 0, qmin: -128, qmax: 127) == 2)
        #expect(Requant.onnx(7, fractionBits: 0, scale: 0.5, zeroPoint: 0, qmin: -128, qmax: 127) == 4)
        // 5 · 0.5 · 2^−1 = 1.25: double rounds twice (2.5 → 3, then 1.5 → 2 away from zero),
        // single rounds once (1.25 → 1).
        #expect(fixed(5, half, -1, .double) == 2)
        #expect(fixed(5, half, -1, .single) == 1)
        #expect(fixed(-5, half, -1, .double) == -1)
        #expect(fixed(-5, half, -1, .single) == -1)
        // RoundingDivideByPOT ties away from zero.
        #expect(Requant.roundingDivideByPOT(6, 2) == 2)
        #expect(Requant.roundingDivideByPOT(-6, 2) == -2)
        #expect(Requant.roundingDivideByPOT(-5, 2) == -1)
        // Left shifts (scale ≥ 1): 3 · 0.75 · 2^2 = 9.
        #expect(fixed(3, 3 << 29, 2, .double) == 9)
        #expect(fixed(3, 3 << 29, 2, .single) == 9)
    }

    @Test func fractionBitsDivideExactly() {
        // acc = 7 with F = 1 is 3.5; times 1.0 (M0 = 2^30, shift 1) rounds to 4 in both modes.
        #expect(fixed(7, 1 << 30, 1, .double, f: 1) == 4)
        #expect(fixed(7, 1 << 30, 1, .single, f: 1) == 4)
        #expect(fixed(-7, 1 << 30, 1, .single, f: 1) == -3)
        #expect(Requant.onnx(7, fractionBits: 1, scale: 1, zeroPoint: 0, qmin: -128, qmax: 127) == 4)
        #expect(Requant.onnx(5, fractionBits: 1, scale: 1, zeroPoint: 0, qmin: -128, qmax: 127) == 2)
        // Wide accumulators use 128-bit products and agree with the int32 fast branch.
        let big: Int64 = 3_000_000_000
        #expect(
            fixed(big, 1_583_594_044, -20, .single)
                == Int64((Double(big) * 1_583_594_044 / 2_147_483_648 / 1_048_576).rounded()))
        // With F fraction bits the double mode's final RoundingDivideByPOT also divides by 2^F, so
        // the first rounding keeps 8 more bits and the known case no longer double-rounds.
        #expect(fixed(7984 << 8, 1_583_594_044, -9, .double, f: 8) == 11)
        #expect(fixed(7984 << 8, 1_583_594_044, -9, .single, f: 8) == 11)
    }

    @Test func clampAndZeroPoint() {
        #expect(
            Requant.apply(
                100_000, fractionBits: 0, mode: .double, scale: 0, multiplier: 1 << 30, shift: 0,
                zeroPoint: -3, qmin: -128, qmax: 127) == 127)
        #expect(
            Requant.apply(
                -100_000, fractionBits: 0, mode: .onnx, scale: 0.5, multiplier: 0, shift: 0,
                zeroPoint: 10, qmin: 0, qmax: 255) == 0)
        #expect(
            Requant.apply(
                20, fractionBits: 0, mode: .single, scale: 0, multiplier: 1 << 30, shift: 0,
                zeroPoint: 10, qmin: 0, qmax: 255) == 20)
    }

    @Test func quantizedMultiplierMatchesTFLite() {
        let q = QuantizedMultiplier(real: 0.75)
        #expect(q.multiplier == 3 << 29 && q.shift == 0)
        let r = QuantizedMultiplier(real: 1.0)
        #expect(r.multiplier == 1 << 30 && r.shift == 1)
        let s = QuantizedMultiplier(real: 0.0003)
        #expect(s.multiplier >= 1 << 30 && abs(s.real - 0.0003) < 1e-12)
        #expect(QuantizedMultiplier(real: 0) == QuantizedMultiplier(multiplier: 0, shift: 0))
        // Rounding the mantissa up to 2^31 renormalizes.
        let t = QuantizedMultiplier(real: 1 - 1e-12)
        #expect(t.multiplier == 1 << 30 && t.shift == 1)
    }
}
