/// An integer grid `qmin...qmax` of a b-bit quantizer: signed `[−2^(b−1), 2^(b−1)−1]` or unsigned
/// `[0, 2^b−1]`.
public struct QuantGrid: Sendable, Equatable {
    public let bits: Int
    public let signed: Bool
    public let qmin: Float, qmax: Float

    public init(bits: Int, signed: Bool) {
        precondition((2...16).contains(bits), "bit-width \(bits) outside 2...16")
        self.bits = bits; self.signed = signed
        if signed {
            qmin = -Float(1 << (bits - 1)); qmax = Float((1 << (bits - 1)) - 1)
        } else {
            qmin = 0; qmax = Float((1 << bits) - 1)
        }
    }

    /// Levels above zero (`Q_p` in LSQ), used by the gradient scale `1/sqrt(N·Q_p)`.
    public var positiveLevels: Float { max(qmax, 1) }
}

/// LSQ fake quantization `x̂ = clamp(round(x/s), qmin, qmax)·s` with round half to even
/// (the simulator rounds the same way), and its gradients: straight-through for `x` inside the
/// range, `round(x/s) − x/s` inside and the clip bound outside for `s`.
public enum LSQ {
    /// Quantizes `n` values of `x` into `y` with step `step`; returns nothing (pure kernel).
    @inlinable
    public static func forward(
        _ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        step: Float, grid: QuantGrid
    ) {
        let inv = 1 / step, lo = grid.qmin, hi = grid.qmax
        for i in 0..<n {
            let q = min(max((x[i] * inv).rounded(.toNearestOrEven), lo), hi)
            y[i] = q * step
        }
    }

    /// Backward of `forward`: writes dL/dx into `dx` and returns dL/dstep (unscaled).
    @inlinable
    public static func backward(
        _ n: Int, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, step: Float, grid: QuantGrid
    ) -> Float {
        let inv = 1 / step, lo = grid.qmin, hi = grid.qmax
        var dStep: Float = 0
        for i in 0..<n {
            let v = x[i] * inv
            let g = dy[i]
            if v < lo {
                dx[i] = 0; dStep += g * lo
            } else if v > hi {
                dx[i] = 0; dStep += g * hi
            } else {
                dx[i] = g; dStep += g * (v.rounded(.toNearestOrEven) - v)
            }
        }
        return dStep
    }
}
