/// Integer layer normalization over the last axis (I-BERT's integer LayerNorm: Kim et al. 2021,
/// "I-BERT: Integer-only BERT Quantization", ICML, §3.5 and Algorithm 4 for the square root),
/// from input codes of at most 16 bits to the layer's output quantization.
///
/// For a row of `D` centered inputs `c_i = q_i − zp_in` (`D ≤ 4096`):
/// 1. the mean with `F = 8` fraction bits, `m = round(Σc · 2^F / D)` (ties away from zero), and
///    `e_i = c_i · 2^F − m` (`|e_i| < 2^25`);
/// 2. `v = ⌊Σ e_i² / D⌋ + ε_q` (`Σ e² < 2^62`), `ε_q = epsilonSteps` (the float model's ε in the
///    same units, `round(ε · 2^2F / S_in²)`), and `σ = ⌊√v⌋` by `integerSquareRoot`;
/// 3. `n_i = round(e_i · 2^15 / σ)` (ties away from zero; `n_i = 0` when `σ = 0`, i.e. a
///    constant row with ε = 0), the normalized value in units of 2^−15 (`|n_i| ≤ 2^15 · √D`);
/// 4. `acc_i = n_i · γ_i + β_i` with integer `γ` (16-bit signed, real step `gammaScale`) and
///    `β` in units of `gammaScale · 2^−15`, then `Requant.apply(acc_i, ...)` with the layer's
///    requantization (1 or D channels; real multiplier `gammaScale · 2^−15 / S_y`).
///
/// Errors against float: `|n_i − (x_i − μ)/√(var + ε)|` is below about `2^−F/σ_in + 1/σ`
/// normalized units plus `2^−15`, where `σ_in` is the row's standard deviation in input steps;
/// then `γ`'s quantization and the output rounding `S_y / 2`.
public enum IntegerLayerNorm {
    /// Fraction bits of the mean.
    public static let meanFractionBits = 8
    /// Fraction bits of the normalized value `n`.
    public static let normalizedFractionBits = 15
    /// Largest normalized axis: keeps `Σ e²` below 2^62 for 16-bit inputs.
    public static let maximumFeatures = 4096

    /// `round(ε · 2^(2F) / S_in²)`, saturated at 2^40: the float model's ε in units of `e²`.
    public static func epsilonSteps(epsilon: Double, inputScale: Double) -> Int64 {
        let v = epsilon * 65536 / (inputScale * inputScale)
        return v.isFinite ? Int64(min(v.rounded(), 1_099_511_627_776)) : 1 << 40
    }

    /// Normalizes `rows` rows of `p.gamma.count` codes of `x` into `y`; `e` is scratch of one row.
    public static func run(
        _ x: UnsafePointer<Int32>, rows: Int, input: Quantization, parameters p: LayerNormParameters,
        output q: Quantization, mode: RequantMode, into y: UnsafeMutablePointer<Int32>,
        scratch e: UnsafeMutablePointer<Int64>
    ) {
        let d = p.gamma.count, zp = Int64(input.zeroPoint), f = Int64(meanFractionBits)
        let eps = epsilonSteps(epsilon: p.epsilon, inputScale: input.scale)
        for row in 0..<rows {
            let src = x + row * d
            var sum: Int64 = 0
            for i in 0..<d { sum += Int64(src[i]) - zp }
            let mean = dividedRounding(sum << f, by: Int64(d))
            var squares: Int64 = 0
            for i in 0..<d {
                let v = (Int64(src[i]) - zp) << f - mean
                e[i] = v; squares += v * v
            }
            let sigma = integerSquareRoot(squares / Int64(d) + eps)
            for i in 0..<d {
                e[i] = sigma == 0 ? 0 : dividedRounding(e[i] << Int64(normalizedFractionBits), by: sigma)
            }
            affine(e, parameters: p, output: q, mode: mode, into: y + row * d)
        }
    }

    /// Step 4 on one row of normalized values `n` (units of 2^−15): `Requant.apply(n·γ + β)`.
    static func affine(
        _ n: UnsafePointer<Int64>, parameters p: LayerNormParameters, output q: Quantization, mode: RequantMode,
        into y: UnsafeMutablePointer<Int32>
    ) {
        let zo = Int32(q.zeroPoint), lo = Int32(q.qmin), hi = Int32(q.qmax)
        let r = p.requant, perChannel = r.count > 1
        for i in 0..<p.gamma.count {
            let c = perChannel ? i : 0
            y[i] = Requant.apply(
                n[i] * Int64(p.gamma[i]) + Int64(p.beta[i]), fractionBits: 0, mode: mode, scale: r.scale[c],
                multiplier: r.multiplier[c], shift: r.shift[c], zeroPoint: zo, qmin: lo, qmax: hi)
        }
    }

    /// `a / b` rounded to nearest, ties away from zero (`b > 0`).
    @inline(__always)
    static func dividedRounding(_ a: Int64, by b: Int64) -> Int64 {
        a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b)
    }
}

/// Parameters of an integer LayerNorm over `D` features (see `IntegerLayerNorm`).
public struct LayerNormParameters: Sendable, Equatable {
    /// `γ` as 16-bit signed integers, length D.
    public var gamma: [Int32]
    /// Real step of `γ` (informational for the simulator; the requantization carries it).
    public var gammaScale: Double
    /// `β` in units of `gammaScale · 2^−15`, length D.
    public var beta: [Int32]
    /// The float model's ε, added to the variance (real units²).
    public var epsilon: Double
    /// Requantization of `n · γ + β` (1 or D channels).
    public var requant: Requantization

    public init(gamma: [Int32], gammaScale: Double, beta: [Int32], epsilon: Double, requant: Requantization) {
        self.gamma = gamma; self.gammaScale = gammaScale; self.beta = beta; self.epsilon = epsilon
        self.requant = requant
    }

    /// Quantizes a float LayerNorm's `gamma`/`beta` (symmetric 16-bit `γ`) for an output scale `S_y`.
    public init(gamma g: [Float], beta b: [Float], epsilon: Double, outputScale: Double) {
        let top = Double(g.lazy.map { abs($0) }.max() ?? 0)
        let step = top > 0 ? top / 32767 : 1
        let unit = step / 32768
        self.init(
            gamma: g.map { Int32((Double($0) / step).rounded()) }, gammaScale: step,
            beta: b.map { Int32(clamping: Int64((Double($0) / unit).rounded())) }, epsilon: epsilon,
            requant: Requantization(reals: [unit / outputScale]))
    }
}
