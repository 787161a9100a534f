/// Integer softmax over the last axis (I-BERT's i-exp: Kim et al. 2021, "I-BERT: Integer-only
/// BERT Quantization", ICML, Algorithm 2), for rows of `length` integers of one input
/// quantization `S_in` (any zero point: it cancels).
///
/// Per row, with `c_j = q_j − max_k q_k ≤ 0`:
/// 1. `x_j = fp(c_j · M_in)`, one fixed-point multiply (single rounding, ties toward +∞) to the
///    internal scale `S_e = ln2 / 2^14`; `M_in = S_in / S_e` as a Q31 multiplier and shift;
/// 2. `z_j = ⌊−x_j / 2^14⌋` and `p_j = x_j + z_j · 2^14` in `(−2^14, 0]`, so that
///    `exp(x) = 2^−z · exp(p)` with `p` in `(−ln2, 0]`;
/// 3. `exp(p) ≈ 0.3585 (p + 1.353)² + 0.344` in integers: `e_j = ((p_j + b)² + c) >> z_j`,
///    `b = ⌊1.353 / S_e⌋ = 31981`, `c = ⌊0.344 / (0.3585 S_e²)⌋`; `e_j = 0` when `z_j > 30`;
///    `e_j < 2^31` and the row maximum has `e = b² + c ≥ 2^30`;
/// 4. `r = ⌊2^62 / Σ e⌋` (`Σ e < 2^51` for rows up to 2^20 long), and
///    `y_j = min((e_j · r + 2^(61−B)) >> (62 − B), 2^B − 1)` for `B` output bits: the output is
///    unsigned with scale `2^−B` and zero point 0; a probability of 1 saturates to `2^B − 1`.
///
/// Every intermediate fits Int64 (`e_j · r ≤ 2^62`). All-equal rows give `⌊2^B / L⌉` exactly.
public enum IntegerSoftmax {
    /// ln 2 in float64.
    static let ln2 = 0.693_147_180_559_945_309_417_232_121_458
    /// Fraction bits of the internal scale: `S_e = ln2 / 2^14`.
    public static let expFractionBits = 14
    /// `b = ⌊1.353 / S_e⌋` of the exp polynomial.
    public static let polyB = Int64((1.353 * 16384 / ln2).rounded(.down))
    /// `c = ⌊0.344 / (0.3585 · S_e²)⌋` of the exp polynomial.
    public static let polyC = Int64((0.344 / 0.3585 * 268_435_456 / ((ln2 * ln2))).rounded(.down))

    /// The Q31 multiplier of `S_in / S_e` for an input scale `S_in` (multiplier 0 when it
    /// underflows, saturated when it overflows: the validation rejects both).
    public static func inputMultiplier(inputScale: Double) -> QuantizedMultiplier {
        QuantizedMultiplier(real: inputScale * 16384 / ln2)
    }

    /// Softmax of `rows` rows of `length` values each; `y` receives `B`-bit codes (`bits` 1...16).
    /// `e` is scratch of `length` Int64.
    public static func run(
        _ x: UnsafePointer<Int32>, rows: Int, length: Int, multiplier m: QuantizedMultiplier,
        bits: Int, into y: UnsafeMutablePointer<Int32>, scratch e: UnsafeMutablePointer<Int64>
    ) {
        let qmax = Int64(1) << bits - 1
        let round = Int64(1) << (61 - bits), shift = Int64(62 - bits)
        for r in 0..<rows {
            let src = x + r * length, dst = y + r * length
            var top = src[0]
            for j in 1..<length { top = max(top, src[j]) }
            var sum: Int64 = 0
            for j in 0..<length {
                let v = exp(Int64(src[j]) - Int64(top), multiplier: m)
                e[j] = v; sum += v
            }
            let reciprocal = (Int64(1) << 62) / sum
            for j in 0..<length { dst[j] = Int32(min((e[j] * reciprocal + round) >> shift, qmax)) }
        }
    }

    /// `exp(c · S_in) / (0.3585 · S_e²)` for `c ≤ 0`, as steps 1–3 say.
    @inline(__always)
    static func exp(_ c: Int64, multiplier m: QuantizedMultiplier) -> Int64 {
        let x = Requant.fixedPoint(c, fractionBits: 0, multiplier: m.multiplier, shift: m.shift, mode: .single)
        let z = (-x) >> Int64(expFractionBits)
        if z > 30 { return 0 }
        let p = x + z << Int64(expFractionBits)
        return ((p + polyB) * (p + polyB) + polyC) >> z
    }
}
