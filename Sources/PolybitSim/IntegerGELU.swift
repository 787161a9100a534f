/// Integer GELU (I-BERT's i-GELU: Kim et al. 2021, "I-BERT: Integer-only BERT Quantization",
/// ICML, Algorithm 3), element-wise from input quantization `(S_in, zp_in)` to the layer's output
/// quantization `(S_y, zp_y)`.
///
/// `GELU(x) = x · (1 + erf(x/√2)) / 2`, with I-BERT's second-order erf
/// `erf(u) ≈ sgn(u) · (a · (min(|u|, −b) + b)² + 1)`, `a = −0.2888`, `b = −1.769`. In integers:
/// 1. `x = clamp(fp((q − zp_in) · M_in), ±2^30)`: one fixed-point multiply (single rounding) to the
///    internal scale `2^−12` (`M_in = S_in · 2^12`; the clamp is at |x| = 2^18, far in the linear
///    region);
/// 2. with `t = round(1.769 · √2 · 2^12) = 10247` (where the erf polynomial reaches 1),
///    `s = (min(|x|, t) − t)² < 2^27` and `E = sgn(x) · (2^24 − ((s · A + 2^15) >> 16))`,
///    `A = round(0.2888 / 2 · 2^16) = 9464`, so `E / 2^24 ≈ erf(x · 2^−12 / √2)`;
/// 3. `P = x · (2^24 + E)` (below 2^56), so `GELU ≈ P · 2^−37`, and the output is
///    `Requant.apply(P, fractionBits: 25, ...)` with the layer's requantization, whose real
///    multiplier is `2^−12 / S_y`.
///
/// The approximation's error is I-BERT's: at most about 0.02 · |x| (the erf polynomial's error,
/// largest near |x| ≈ 0.3 and 2.5), plus the output rounding `S_y / 2`.
public enum IntegerGELU {
    /// Fraction bits of the internal scale of `x`.
    public static let inputFractionBits = 12
    /// `t = round(1.769 · √2 · 2^12)`.
    public static let threshold = Int64((1.769 * 2.0.squareRoot() * 4096).rounded())
    /// `A = round(0.2888 / 2 · 2^16)`.
    public static let polyA = Int64((0.2888 / 2 * 65536).rounded())
    /// Fraction bits of `P` above the internal scale: `erf` in units of 2^−24, halved.
    public static let productFractionBits = 25

    /// The Q31 multiplier of `S_in · 2^12`.
    public static func inputMultiplier(inputScale: Double) -> QuantizedMultiplier {
        QuantizedMultiplier(real: inputScale * 4096)
    }

    /// The output requantization (one channel) of real multiplier `2^−12 / S_y`.
    public static func outputRequant(outputScale: Double) -> Requantization {
        Requantization(reals: [1 / (4096 * outputScale)])
    }

    /// GELU of `count` codes `x` into `y`, requantized in `mode`.
    public static func run(
        _ x: UnsafePointer<Int32>, count: Int, input: Quantization, multiplier m: QuantizedMultiplier,
        requant r: Requantization, output q: Quantization, mode: RequantMode, into y: UnsafeMutablePointer<Int32>
    ) {
        let zp = Int64(input.zeroPoint), zo = Int32(q.zeroPoint), lo = Int32(q.qmin), hi = Int32(q.qmax)
        let limit = Int64(1) << 30
        for i in 0..<count {
            let fixed = Requant.fixedPoint(
                Int64(x[i]) - zp, fractionBits: 0, multiplier: m.multiplier, shift: m.shift, mode: .single)
            let v = min(max(fixed, -limit), limit)
            let d = min(abs(v), threshold) - threshold
            let magnitude = (Int64(1) << 24) - ((d * d * polyA + (1 << 15)) >> 16)
            let erf = v > 0 ? magnitude : v < 0 ? -magnitude : 0
            y[i] = Requant.apply(
                v * ((Int64(1) << 24) + erf), fractionBits: productFractionBits, mode: mode,
                scale: r.scale[0], multiplier: r.multiplier[0], shift: r.shift[0], zeroPoint: zo,
                qmin: lo, qmax: hi)
        }
    }
}
