import PolybitTensor

#if canImport(Glibc)
    import Glibc
#endif

/// Rectified linear unit, any shape.
public final class ReLU: Layer {
    private var output: Tensor?
    public init() {}
    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let y = x.withUnsafeBufferPointer { xp in
            Tensor(shape: x.shape) { yp in
                let s = xp.baseAddress!, d = yp.baseAddress!
                Parallel.forEachChunk(xp.count, minimumChunk: 65_536) { r in
                    for i in r { d[i] = max(s[i], 0) }
                }
            }
        }
        if training { output = y }
        return y
    }

    /// `max(0, x + r)` in one pass (a residual add and the ReLU after it); backward is `backward`'s.
    public func forward(_ x: Tensor, adding r: Tensor, training: Bool) -> Tensor {
        precondition(x.shape == r.shape, "ReLU: adding \(r.shape) to \(x.shape)")
        let y = x.withUnsafeBufferPointer { xp in
            r.withUnsafeBufferPointer { rp in
                Tensor(shape: x.shape) { yp in
                    let s = xp.baseAddress!, t = rp.baseAddress!, d = yp.baseAddress!
                    Parallel.forEachChunk(xp.count, minimumChunk: 65_536) { range in
                        for i in range { d[i] = max(s[i] + t[i], 0) }
                    }
                }
            }
        }
        if training { output = y }
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let y = output else { preconditionFailure("ReLU: backward without a training forward") }
        output = nil
        return y.withUnsafeBufferPointer { yp in
            gradOutput.withUnsafeBufferPointer { gp in
                Tensor(shape: y.shape) { dp in
                    let ys = yp.baseAddress!, g = gp.baseAddress!, d = dp.baseAddress!
                    Parallel.forEachChunk(yp.count, minimumChunk: 65_536) { r in
                        for i in r { d[i] = ys[i] > 0 ? g[i] : 0 }
                    }
                }
            }
        }
    }
}

/// Gaussian error linear unit (exact, with erf), any shape.
public final class GELU: Layer {
    private var input: Tensor?
    public init() {}
    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if training { input = x }
        return x.withUnsafeBufferPointer { xp in
            Tensor(shape: x.shape) { yp in
                for i in 0..<xp.count {
                    let v = xp[i]
                    yp[i] = 0.5 * v * (1 + erff(v * 0.70710678))
                }
            }
        }
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("GELU: backward without a training forward") }
        input = nil
        return x.withUnsafeBufferPointer { xp in
            gradOutput.withUnsafeBufferPointer { gp in
                Tensor(shape: x.shape) { dp in
                    for i in 0..<xp.count {
                        let v = xp[i]
                        let cdf = 0.5 * (1 + erff(v * 0.70710678))
                        let pdf = expf(-0.5 * v * v) * 0.39894228
                        dp[i] = gp[i] * (cdf + v * pdf)
                    }
                }
            }
        }
    }
}

/// Inverted dropout with a seeded mask; identity in evaluation. Any shape.
public final class Dropout: Layer {
    public let rate: Float
    private var rng: SeededRNG
    private var mask: [Float] = []

    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.rate = rate
        rng = SeededRNG(seed: seed)
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training && rate > 0 else { return x }
        let keep = 1 / (1 - rate)
        mask = (0..<x.count).map { _ in rng.nextFloat() < rate ? 0 : keep }
        var y = x
        y.withUnsafeMutableBufferPointer { yp in for i in 0..<yp.count { yp[i] *= mask[i] } }
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard rate > 0 else { return gradOutput }
        var g = gradOutput
        g.withUnsafeMutableBufferPointer { gp in for i in 0..<gp.count { gp[i] *= mask[i] } }
        return g
    }
}
