/// Element-wise kernels over unsafe buffers (vectorized in release builds).
public enum Vec {
    /// `y[i] += alpha · x[i]`.
    @inlinable
    public static func axpy(
        _ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>,
        _ y: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// `x[i] *= alpha`.
    @inlinable
    public static func scale(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        for i in 0..<n { x[i] *= alpha }
    }

    /// Sum of `x[0..<n]` (SIMD partial sums over blocks of 512, accumulated in Double).
    @inlinable
    public static func sum(_ n: Int, _ x: UnsafePointer<Float>) -> Double {
        blockedSum(n, { load(x + $0) }, { x[$0] })
    }

    /// `Σ (x[i] − center)²` over `x[0..<n]` (blocked like `sum`).
    @inlinable
    public static func squaredDeviations(_ n: Int, _ x: UnsafePointer<Float>, center: Float) -> Double {
        let c = SIMD8<Float>(repeating: center)
        return blockedSum(
            n,
            {
                let d = load(x + $0) - c; return d * d
            },
            {
                let d = x[$0] - center; return d * d
            })
    }

    /// `Σ x[i]·y[i]` over `n` elements (blocked like `sum`).
    @inlinable
    public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Double {
        blockedSum(n, { load(x + $0) * load(y + $0) }, { x[$0] * y[$0] })
    }

    /// `(Σ g[i], Σ g[i]·x[i])` in one pass (blocked like `sum`).
    @inlinable
    public static func sumAndDot(_ n: Int, _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>) -> (Double, Double) {
        blockedSums(
            n,
            {
                let v = load(g + $0); return (v, v * load(x + $0))
            }, { (g[$0], g[$0] * x[$0]) })
    }

    /// `(Σ g'[i], Σ g'[i]·x[i])` with `g'[i] = g[i]` where `x[i]·scale + shift > 0` and 0 elsewhere:
    /// the sums of a batch-norm backward through the ReLU that follows it (one pass).
    @inlinable
    public static func maskedSumAndDot(
        _ n: Int, _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        scale: Float, shift: Float
    ) -> (Double, Double) {
        let vs = SIMD8<Float>(repeating: scale), vb = SIMD8<Float>(repeating: shift)
        return blockedSums(
            n,
            { i in
                let xv = load(x + i)
                let gv = load(g + i).replacing(with: 0, where: xv * vs + vb .<= 0)
                return (gv, gv * xv)
            },
            { i in
                let gv = x[i] * scale + shift > 0 ? g[i] : 0
                return (gv, gv * x[i])
            })
    }

    /// Two sums of per-element terms in one pass, blocked like `blockedSum`.
    @inlinable @inline(__always)
    static func blockedSums(
        _ n: Int, _ vector: (Int) -> (SIMD8<Float>, SIMD8<Float>),
        _ scalar: (Int) -> (Float, Float)
    ) -> (Double, Double) {
        var first: Double = 0, second: Double = 0, i = 0
        let vectorEnd = n & ~7
        while i < vectorEnd {
            var a = SIMD8<Float>(), b = SIMD8<Float>()
            let end = min(vectorEnd, i + 512)
            while i < end { let (u, v) = vector(i); a += u; b += v; i += 8 }
            first += Double(a.sum()); second += Double(b.sum())
        }
        var tailA: Float = 0, tailB: Float = 0
        while i < n { let (u, v) = scalar(i); tailA += u; tailB += v; i += 1 }
        return (first + Double(tailA), second + Double(tailB))
    }

    /// `Σ_i` of a per-element term over `0..<n`: `vector(i)` gives elements `i..<i+8` as a SIMD8
    /// (Float partials per block of 512, added up in Double), `scalar(i)` one element of the tail.
    @inlinable @inline(__always)
    static func blockedSum(_ n: Int, _ vector: (Int) -> SIMD8<Float>, _ scalar: (Int) -> Float) -> Double {
        var total: Double = 0, i = 0
        let vectorEnd = n & ~7
        while i < vectorEnd {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
            let end = min(vectorEnd, i + 512)
            while i + 16 <= end { a0 += vector(i); a1 += vector(i + 8); i += 16 }
            if i < end { a0 += vector(i); i += 8 }
            total += Double((a0 + a1).sum())
        }
        var tail: Float = 0
        while i < n { tail += scalar(i); i += 1 }
        return total + Double(tail)
    }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Index of the largest of `x[0..<n]` (first on ties).
    @inlinable
    public static func argmax(_ n: Int, _ x: UnsafePointer<Float>) -> Int {
        var best = 0
        for i in 1..<max(n, 1) where x[i] > x[best] { best = i }
        return best
    }
}

extension Tensor {
    /// Element-wise sum.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
        var out = a
        out.withUnsafeMutableBufferPointer { o in
            b.withUnsafeBufferPointer { bp in Vec.axpy(o.count, 1, bp.baseAddress!, o.baseAddress!) }
        }
        return out
    }

    /// Every element times a scalar.
    public static func * (a: Tensor, s: Float) -> Tensor {
        var out = a
        out.withUnsafeMutableBufferPointer { Vec.scale($0.count, s, $0.baseAddress!) }
        return out
    }

    /// Largest absolute element-wise difference to another tensor of the same shape.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, abs(storage[i] - other.storage[i])) }
        return m
    }
}
