import PolybitTensor

/// How a weight quantizer gets a bit-width's integers from the latent weights.
public enum WeightRounding: String, Codable, Sendable, CaseIterable {
    /// Each bit-width rounds the latent weights on its own grid with its own step.
    case direct
    /// Double Rounding (Huang et al., ALGORITHMS.md §5): the quantizer's highest bit-width h rounds
    /// the latent weights (half to even); a width l < h rounds those integers by 2^(h−l) with ties
    /// toward +∞, `(q_h + 2^(h−l−1)) >> (h−l)`, and runs at step `s_h·2^(h−l)`. Only the h-bit
    /// integers need storing: every lower width is a rounding shift of them.
    case double
    /// `double` with the bare right shift `q_h >> (h−l)` (a floor) as the second rounding.
    case doubleFloor = "double-floor"
}

/// Double Rounding fake quantization of signed weights and its gradients. With `S = s_h·2^Δ`
/// (Δ = h − l) the output is `q_l·S`. Gradients follow LSQ at step `S`: straight through for `x`
/// where neither rounding clipped, zero where one did; for `s_h`, `2^Δ·q_l − x/s_h` inside and
/// `2^Δ·q_l` where clipped.
public enum DoubleRounding {
    /// The l-bit integer of `x` and whether either rounding clipped it. `high`, `low`: the signed
    /// grids at h and l bits; `shift` = h − l ≥ 1.
    @inlinable
    public static func code(
        _ x: Float, stepHigh: Float, high: QuantGrid, low: QuantGrid, shift: Int,
        floor: Bool
    ) -> (q: Int32, clipped: Bool) {
        let v = x / stepHigh
        let qh = Int32(min(max(v.rounded(.toNearestOrEven), high.qmin), high.qmax))
        let shifted = floor ? qh >> Int32(shift) : (qh + (1 << Int32(shift - 1))) >> Int32(shift)
        let ql = min(max(shifted, Int32(low.qmin)), Int32(low.qmax))
        return (ql, v < high.qmin || v > high.qmax || ql != shifted)
    }

    /// Quantizes `n` values of `x` into `y` (`q_l·s_h·2^shift`).
    @inlinable
    public static func forward(
        _ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        stepHigh: Float, high: QuantGrid, low: QuantGrid, shift: Int, floor: Bool
    ) {
        let step = stepHigh * Float(1 << shift)
        for i in 0..<n {
            y[i] = Float(code(x[i], stepHigh: stepHigh, high: high, low: low, shift: shift, floor: floor).q) * step
        }
    }

    /// Backward of `forward`: writes dL/dx into `dx` and returns dL/ds_h (unscaled).
    @inlinable
    public static func backward(
        _ n: Int, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, stepHigh: Float, high: QuantGrid,
        low: QuantGrid, shift: Int, floor: Bool
    ) -> Float {
        let scale = Float(1 << shift), inv = 1 / stepHigh
        var dStep: Float = 0
        for i in 0..<n {
            let (q, clipped) = code(x[i], stepHigh: stepHigh, high: high, low: low, shift: shift, floor: floor)
            let g = dy[i]
            if clipped {
                dx[i] = 0; dStep += g * scale * Float(q)
            } else {
                dx[i] = g; dStep += g * (scale * Float(q) - x[i] * inv)
            }
        }
        return dStep
    }
}

/// ALRS (Huang et al., ALGORITHMS.md §5): the learning-rate factor of a step size at bit-width b
/// when the highest trained width is h, with Δ = h − b: `10^(−Δ/2)` for even Δ, `5·10^(−(Δ+1)/2)`
/// for odd Δ, 1 for Δ ≤ 0. {8,6,4,2} get 1, 0.1, 0.01, 0.001; {4,3,2} get 1, 0.5, 0.1.
public func adaptiveStepLearningRate(bits: Int, highest: Int) -> Float {
    let delta = highest - bits
    guard delta > 0 else { return 1 }
    var power = 1.0
    for _ in 0..<(delta + 1) / 2 { power *= 10 }
    return Float((delta % 2 == 0 ? 1 : 5) / power)
}
