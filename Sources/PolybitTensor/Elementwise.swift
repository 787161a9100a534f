/// Element-wise kernels over unsafe buffers (vectorized in release builds).
public enum Vec {
    /// `y[i] += alpha · x[i]`.
    @inlinable
    public static func axpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>,
                            _ y: UnsafeMutablePointer<Float>) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// `x[i] *= alpha`.
    @inlinable
    public static func scale(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        for i in 0..<n { x[i] *= alpha }
    }

    /// Sum of `x[0..<n]` (accumulated in Double for stability).
    @inlinable
    public static func sum(_ n: Int, _ x: UnsafePointer<Float>) -> Double {
        var acc0: Float = 0, acc1: Float = 0, acc2: Float = 0, acc3: Float = 0
        var total: Double = 0
        var i = 0
        while i + 4 <= n {
            acc0 += x[i]; acc1 += x[i + 1]; acc2 += x[i + 2]; acc3 += x[i + 3]
            i += 4
            if i & 4095 == 0 {
                total += Double(acc0) + Double(acc1) + Double(acc2) + Double(acc3)
                acc0 = 0; acc1 = 0; acc2 = 0; acc3 = 0
            }
        }
        while i < n { acc0 += x[i]; i += 1 }
        return total + Double(acc0) + Double(acc1) + Double(acc2) + Double(acc3)
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
