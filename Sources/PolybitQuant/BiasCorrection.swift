/// Weight bias correction (EMQ; Banner et al. 2019): after quantization, an affine map per output
/// channel `Ŵ'_c = A_c·Ŵ_c + B_c` with `A_c = sqrt(V[W_c] / V[Ŵ_c])` that restores the latent
/// weights' statistics, so one BatchNorm serves every bit-width.
public enum BiasCorrection: String, Codable, Sendable, CaseIterable {
    /// No correction.
    case off
    /// The paper's form `A·(Ŵ + E[W] − E[Ŵ])`: variance exact, mean `A·E[W]`.
    case paper
    /// `(Ŵ − E[Ŵ])·A + E[W]`: mean and variance both exact.
    case exact
}

/// Whether correction statistics are taken per output channel or over the whole tensor.
public enum CorrectionStatistics: String, Codable, Sendable, CaseIterable {
    case perChannel = "channel"
    case perTensor = "tensor"
}

/// Per-group affine coefficients of a bias correction: `corrected = a[g]·quantized + b[g]`.
public struct CorrectionCoefficients: Sendable, Equatable {
    /// Multipliers `A_g` (1 where the quantized group has no variance).
    public var a: [Float]
    /// Offsets `B_g`.
    public var b: [Float]

    /// Coefficients for `groups` equal contiguous groups of `latent` and `quantized` (`n` values).
    public static func compute(
        form: BiasCorrection, groups: Int, n: Int,
        latent: UnsafePointer<Float>, quantized: UnsafePointer<Float>
    ) -> CorrectionCoefficients {
        let size = n / groups
        var a = [Float](repeating: 1, count: groups), b = [Float](repeating: 0, count: groups)
        for g in 0..<groups {
            let w = latent + g * size, q = quantized + g * size
            var sw = 0.0, sq = 0.0
            for i in 0..<size { sw += Double(w[i]); sq += Double(q[i]) }
            let mw = sw / Double(size), mq = sq / Double(size)
            var vw = 0.0, vq = 0.0
            for i in 0..<size {
                let dw = Double(w[i]) - mw, dq = Double(q[i]) - mq
                vw += dw * dw; vq += dq * dq
            }
            let r = vq > 1e-30 ? (vw / vq).squareRoot() : 1
            a[g] = Float(r)
            switch form {
            case .off: a[g] = 1
            case .paper: b[g] = Float(r * (mw - mq))
            case .exact: b[g] = Float(mw - r * mq)
            }
        }
        return CorrectionCoefficients(a: a, b: b)
    }
}
