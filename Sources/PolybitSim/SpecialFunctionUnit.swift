#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How an accelerator computes softmax, GELU and LayerNorm: I-BERT's integer approximations on
/// the integer datapath, or a special-function unit (a hardware profile's `special_functions`).
public enum SpecialFunctions: String, Sendable, CaseIterable, Codable {
    /// `IntegerSoftmax`, `IntegerGELU`, `IntegerLayerNorm`: integers only.
    case integer
    /// A special-function unit: float32 on the dequantized inputs (`SpecialFunctionUnit`), rounded
    /// to the same output grids.
    case unit
}

/// What a float32 special-function unit computes for the transformer ops, on the same integer
/// inputs and output grids as the integer approximations:
/// - softmax: `v_j = Float(S_in) · Float(q_j − max q)`, `p_j = expf(v_j) / Σ expf(v_k)` (float32,
///   in index order), `y_j = min(round_half_even(p_j · 2^B), 2^B − 1)`;
/// - GELU: `v = Float(S_in) · Float(q − zp)`, `g = 0.5 · v · (1 + erff(v / √2))`,
///   `y = clamp(round_half_even(g / Float(S_y)) + zp_y)`;
/// - LayerNorm: with `c = q − zp` in float32, `n_i = (c_i − mean) / sqrt(var + ε / S_in²)` (population
///   variance, float32 sums in index order), rounded half to even to units of 2^−15, then the
///   integer `γ`/`β` affine and requantization of `IntegerLayerNorm` (step 4).
enum SpecialFunctionUnit {
    static func softmax(
        _ x: UnsafePointer<Int32>, rows: Int, length: Int, input: Quantization, bits: Int,
        into y: UnsafeMutablePointer<Int32>, scratch e: UnsafeMutablePointer<Float>
    ) {
        let s = Float(input.scale), full = Float(1 << bits), top = Int32((1 << bits) - 1)
        for r in 0..<rows {
            let src = x + r * length, dst = y + r * length
            var m = src[0]
            for j in 1..<length { m = max(m, src[j]) }
            var sum: Float = 0
            for j in 0..<length {
                e[j] = expf(s * Float(src[j] - m)); sum += e[j]
            }
            for j in 0..<length { dst[j] = min(Int32((e[j] / sum * full).rounded(.toNearestOrEven)), top) }
        }
    }

    static func gelu(
        _ x: UnsafePointer<Int32>, count: Int, input: Quantization, output q: Quantization,
        into y: UnsafeMutablePointer<Int32>
    ) {
        let s = Float(input.scale), sy = Float(q.scale), zp = Int32(input.zeroPoint)
        let lo = Float(q.qmin - q.zeroPoint), hi = Float(q.qmax - q.zeroPoint), root2 = Float(2).squareRoot()
        for i in 0..<count {
            let v = s * Float(x[i] - zp)
            let g = 0.5 * v * (1 + erff(v / root2))
            y[i] = Int32(min(max(g / sy, lo), hi).rounded(.toNearestOrEven)) + Int32(q.zeroPoint)
        }
    }

    static func layerNorm(
        _ x: UnsafePointer<Int32>, rows: Int, input: Quantization, parameters p: LayerNormParameters,
        output q: Quantization, mode: RequantMode, into y: UnsafeMutablePointer<Int32>,
        scratch n: UnsafeMutablePointer<Int64>
    ) {
        let d = p.gamma.count, zp = Int32(input.zeroPoint)
        let eps = Float(p.epsilon / (input.scale * input.scale))
        let unit = Float(1 << IntegerLayerNorm.normalizedFractionBits)
        for r in 0..<rows {
            let src = x + r * d
            var sum: Float = 0
            for i in 0..<d { sum += Float(src[i] - zp) }
            let mean = sum / Float(d)
            var squares: Float = 0
            for i in 0..<d { let c = Float(src[i] - zp) - mean; squares += c * c }
            let inv = 1 / (squares / Float(d) + eps).squareRoot()
            for i in 0..<d {
                let v = (Float(src[i] - zp) - mean) * (inv.isFinite ? inv : 0) * unit
                n[i] = Int64(v.rounded(.toNearestOrEven))
            }
            IntegerLayerNorm.affine(n, parameters: p, output: q, mode: mode, into: y + r * d)
        }
    }
}
