import Foundation
import PolybitSim
import Testing

/// The integer softmax, GELU, LayerNorm, square root and activation matmul against float on
/// random inputs (stated maximum errors) and on hand-checked edge cases.
@Suite struct TransformerKernelTests {
    func softmax(_ x: [Int32], length: Int, scale: Double, bits: Int) -> [Int32] {
        var y = [Int32](repeating: -1, count: x.count)
        var e = [Int64](repeating: 0, count: length)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                e.withUnsafeMutableBufferPointer { ep in
                    IntegerSoftmax.run(
                        xp.baseAddress!, rows: x.count / length, length: length,
                        multiplier: IntegerSoftmax.inputMultiplier(inputScale: scale), bits: bits,
                        into: yp.baseAddress!, scratch: ep.baseAddress!)
                }
            }
        }
        return y
    }

    /// Float softmax of one row of reals.
    func reference(_ row: [Double]) -> [Double] {
        let top = row.max()!
        let e = row.map { exp($0 - top) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    @Test func softmaxAgreesWithFloat() {
        var rng = TestRNG(11)
        // 16-bit scores over ±8 (what Q·Kᵀ feeds attention) and 8-bit scores over ±6.4.
        for (bits, scale) in [(16, 8.0 / 32768), (8, 0.05)] {
            let length = 65, rows = 40, half = 1 << (bits - 1)
            let x = rng.ints(rows * length, -half...(half - 1))
            let y = softmax(x, length: length, scale: scale, bits: 8)
            var worst = 0.0
            for r in 0..<rows {
                let p = reference((0..<length).map { Double(x[r * length + $0]) * scale })
                for j in 0..<length { worst = max(worst, abs(Double(y[r * length + j]) / 256 - p[j])) }
            }
            // Output rounding 2^−9 ≈ 0.00195 plus the exp polynomial's error (measured 0.0023 in all).
            #expect(worst <= 0.0025, "\(bits)-bit input: max error \(worst)")
        }
    }

    @Test func softmaxEdgeCases() {
        // All-equal rows give round(2^B / L); a row of one saturates to 2^B − 1.
        #expect(softmax([5, 5, 5, 5], length: 4, scale: 0.01, bits: 8) == [64, 64, 64, 64])
        #expect(softmax([-7, -7, -7], length: 3, scale: 0.3, bits: 8) == [85, 85, 85])
        #expect(softmax([100], length: 1, scale: 0.01, bits: 8) == [255])
        // Saturating 24-bit scores: every term but the maximum is below 2^−31 and vanishes.
        let big: [Int32] = [8_388_607, -8_388_608, 0, 8_388_606 - 4_000_000]
        #expect(softmax(big, length: 4, scale: 0.01, bits: 16) == [65535, 0, 0, 0])
        // Two equal maxima split the mass exactly.
        #expect(softmax([3, 3, -9000], length: 3, scale: 0.01, bits: 8) == [128, 128, 0])
    }

    func gelu(_ x: [Int32], input: Quantization, output: Quantization, mode: RequantMode = .double) -> [Int32] {
        var y = [Int32](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                IntegerGELU.run(
                    xp.baseAddress!, count: x.count, input: input,
                    multiplier: IntegerGELU.inputMultiplier(inputScale: input.scale),
                    requant: IntegerGELU.outputRequant(outputScale: output.scale), output: output, mode: mode,
                    into: yp.baseAddress!)
            }
        }
        return y
    }

    @Test func geluAgreesWithFloat() {
        let qx = Quantization(bits: 8, signed: true, scale: 0.05, zeroPoint: 3)
        let qy = Quantization(bits: 8, signed: true, scale: 0.03, zeroPoint: -20)
        let x = (-128...127).map(Int32.init)
        for mode in RequantMode.allCases {
            let y = gelu(x, input: qx, output: qy, mode: mode)
            var worst = 0.0
            for (q, v) in zip(x, y) {
                let r = qx.scale * Double(Int(q) - qx.zeroPoint)
                let g = 0.5 * r * (1 + erf(r / 2.0.squareRoot()))
                let want = min(
                    max(g, qy.scale * Double(qy.qmin - qy.zeroPoint)), qy.scale * Double(qy.qmax - qy.zeroPoint))
                worst = max(worst, abs(qy.scale * Double(Int(v) - qy.zeroPoint) - want))
            }
            // Output rounding S_y/2 = 0.015 plus I-BERT's erf error times |x|/2 (measured 0.0306).
            #expect(worst <= 0.032, "\(mode): max error \(worst)")
        }
    }

    @Test func geluEdgeCases() {
        let qx = Quantization(bits: 16, signed: true, scale: 0.01, zeroPoint: 0)
        let qy = Quantization(bits: 8, signed: true, scale: 0.1, zeroPoint: 0)
        // 0 → 0; large negatives → 0; large positives saturate at qmax; x ≥ 2.5 is the identity.
        #expect(gelu([0, -32768, 32767, 300, -300], input: qx, output: qy) == [0, 0, 127, 30, 0])
    }

    func layerNorm(_ x: [Int32], input: Quantization, p: LayerNormParameters, output: Quantization) -> [Int32] {
        var y = [Int32](repeating: 0, count: x.count)
        var e = [Int64](repeating: 0, count: p.gamma.count)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                e.withUnsafeMutableBufferPointer { ep in
                    IntegerLayerNorm.run(
                        xp.baseAddress!, rows: x.count / p.gamma.count, input: input, parameters: p, output: output,
                        mode: .double, into: yp.baseAddress!, scratch: ep.baseAddress!)
                }
            }
        }
        return y
    }

    @Test func layerNormAgreesWithFloat() {
        var rng = TestRNG(5)
        let d = 64, rows = 50
        let qx = Quantization(bits: 8, signed: true, scale: 0.05, zeroPoint: -4)
        let qy = Quantization(bits: 8, signed: true, scale: 0.04, zeroPoint: 0)
        let g = (0..<d).map { _ in Float(rng.int(500...1500)) / 1000 }
        let b = (0..<d).map { _ in Float(rng.int(-500...500)) / 1000 }
        let p = LayerNormParameters(gamma: g, beta: b, epsilon: 1e-5, outputScale: qy.scale)
        let x = rng.ints(rows * d, -128...127)
        let y = layerNorm(x, input: qx, p: p, output: qy)
        var worst = 0.0
        for r in 0..<rows {
            let v = (0..<d).map { qx.scale * Double(Int(x[r * d + $0]) - qx.zeroPoint) }
            let mean = v.reduce(0, +) / Double(d)
            let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
            for i in 0..<d {
                let want = (v[i] - mean) / (variance + 1e-5).squareRoot() * Double(g[i]) + Double(b[i])
                worst = max(worst, abs(qy.scale * Double(y[r * d + i]) - min(max(want, -5.12), 5.08)))
            }
        }
        // Output rounding S_y/2 = 0.02 plus the integer mean's and σ's errors (measured 0.02004).
        #expect(worst <= 0.0205, "max error \(worst)")
    }

    @Test func layerNormEdgeCases() {
        let qx = Quantization(bits: 8, signed: true, scale: 0.1, zeroPoint: 0)
        let qy = Quantization(bits: 8, signed: true, scale: 0.01, zeroPoint: 1)
        // Zero variance: the output is β, with or without ε.
        for eps in [1e-5, 0] {
            let p = LayerNormParameters(
                gamma: [1, 2, 3, 4], beta: [0.5, -0.25, 0, 2], epsilon: eps, outputScale: 0.01)
            #expect(layerNorm([7, 7, 7, 7], input: qx, p: p, output: qy) == [51, -24, 1, 127], "ε = \(eps)")
        }
        // Extremes: ±1 normalized values, scaled by γ = 3 and saturating at the 8-bit range.
        let p = LayerNormParameters(gamma: [3, 3], beta: [0, 0], epsilon: 0, outputScale: 0.01)
        #expect(layerNorm([-128, 127], input: qx, p: p, output: qy) == [-128, 127])
        let wide = Quantization(bits: 16, signed: true, scale: 0.01, zeroPoint: 0)
        let coarse = Quantization(bits: 8, signed: true, scale: 0.1, zeroPoint: 0)
        let p3 = LayerNormParameters(gamma: [3, 3], beta: [0, 0], epsilon: 0, outputScale: 0.1)
        #expect(layerNorm([-32768, 32767], input: wide, p: p3, output: coarse) == [-30, 30])
    }

    @Test func integerSquareRootIsTheFloor() {
        for n in Int64(0)...5000 {
            let r = integerSquareRoot(n)
            #expect(r * r <= n && (r + 1) * (r + 1) > n, "\(n)")
        }
        for n: Int64 in [1 << 62, (1 << 62) - 1, Int64.max, 999_999_999_999, (1 << 31) * (1 << 31) - 1] {
            let r = integerSquareRoot(n)
            // r² ≤ n < (r + 1)² without overflowing: ⌊n / r⌋ ≥ r and ⌊n / (r + 1)⌋ < r + 1.
            #expect(n / r >= r && n / (r + 1) < r + 1, "\(n)")
        }
        #expect(integerSquareRoot(-4) == 0)
    }

    func matmul(
        _ a: [Int32], _ qa: Quantization, _ b: [Int32], _ qb: Quantization, heads: Int, m: Int, k: Int, n: Int,
        transposeB: Bool, output q: Quantization, mode: RequantMode
    ) -> [Int32] {
        var y = [Int32](repeating: 0, count: heads * m * n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                y.withUnsafeMutableBufferPointer { yp in
                    ActivationMatmul.run(
                        ap.baseAddress!, qa, bp.baseAddress!, qb, heads: heads, m: m, k: k, n: n,
                        transposeB: transposeB,
                        requant: Requantization(reals: [qa.scale * qb.scale / q.scale]), output: q, mode: mode,
                        into: yp.baseAddress!)
                }
            }
        }
        return y
    }

    @Test func matmulAgreesWithFloat() {
        var rng = TestRNG(9)
        let heads = 3, m = 5, k = 16, n = 7
        let qa = Quantization(bits: 8, signed: true, scale: 0.02, zeroPoint: 5)
        let qb = Quantization(bits: 8, signed: false, scale: 1.0 / 256, zeroPoint: 0)
        let qy = Quantization(bits: 8, signed: true, scale: 0.01, zeroPoint: -3)
        let a = rng.ints(heads * m * k, -128...127), b = rng.ints(heads * k * n, 0...255)
        var bt = b
        for h in 0..<heads {
            for t in 0..<k { for j in 0..<n { bt[h * n * k + j * k + t] = b[h * k * n + t * n + j] } }
        }
        for mode in RequantMode.allCases {
            let y = matmul(a, qa, b, qb, heads: heads, m: m, k: k, n: n, transposeB: false, output: qy, mode: mode)
            #expect(
                y == matmul(a, qa, bt, qb, heads: heads, m: m, k: k, n: n, transposeB: true, output: qy, mode: mode))
            var worst = 0.0
            for h in 0..<heads {
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 0.0
                        for t in 0..<k {
                            s +=
                                qa.scale * Double(Int(a[h * m * k + i * k + t]) - 5) * qb.scale
                                * Double(b[h * k * n + t * n + j])
                        }
                        let want = min(max(s, -1.25), 1.30)
                        worst = max(worst, abs(qy.scale * Double(Int(y[h * m * n + i * n + j]) + 3) - want))
                    }
                }
            }
            #expect(worst <= qy.scale / 2 + 1e-9, "\(mode): max error \(worst)")
        }
    }
}
