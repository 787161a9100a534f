import PolybitTensor

/// Multi-head self-attention: input `[N, T, D]`, output `[N, T, D]`.
/// `qkv` projects to queries, keys and values (`[N, T, 3D]`, heads of width `D / heads`),
/// attention is `softmax(Q·Kᵀ / sqrt(D / heads))·V` per head, and `projection` mixes the heads.
public final class MultiHeadSelfAttention: Layer {
    public let dim: Int, heads: Int
    public let qkv: Linear, projection: Linear
    private var cachedQKV: Tensor?
    private var attention: [Float] = []
    private var shape: (n: Int, t: Int) = (0, 0)

    public init(name: String, dim: Int, heads: Int, rng: inout SeededRNG) {
        precondition(dim % heads == 0, "attention width \(dim) is not divisible by \(heads) heads")
        self.dim = dim; self.heads = heads
        qkv = Linear(name: name + ".qkv", inFeatures: dim, outFeatures: 3 * dim, rng: &rng)
        projection = Linear(name: name + ".proj", inFeatures: dim, outFeatures: dim, rng: &rng)
    }

    public var parameters: [Parameter] { qkv.parameters + projection.parameters }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.shape[0], t = x.shape[1], d = dim, h = heads, dh = d / h
        let q = qkv.forward(x, training: training)
        let scale = 1 / Float(dh).squareRoot()
        var att = [Float](repeating: 0, count: n * h * t * t)
        var mixed = Tensor(shape: [n, t, d]) { _ in }
        q.withUnsafeBufferPointer { qp in
            att.withUnsafeMutableBufferPointer { ap in
                mixed.withUnsafeMutableBufferPointer { mp in
                    let qs = qp.baseAddress!, as_ = ap.baseAddress!, ms = mp.baseAddress!
                    Parallel.forEach(n * h) { job in
                        let b = job / h, head = job % h
                        let base = qs + b * t * 3 * d + head * dh
                        let a = as_ + job * t * t
                        // S = scale · Q Kᵀ, rows softmaxed in place.
                        BLAS.sgemm(
                            transB: true, m: t, n: t, k: dh, alpha: scale, a: base, lda: 3 * d,
                            b: base + d, ldb: 3 * d, c: a, ldc: t)
                        softmaxInPlace(a, rows: t, cols: t)
                        BLAS.sgemm(
                            m: t, n: dh, k: t, a: a, lda: t, b: base + 2 * d, ldb: 3 * d,
                            c: ms + b * t * d + head * dh, ldc: d)
                    }
                }
            }
        }
        if training { cachedQKV = q; attention = att; shape = (n, t) }
        return projection.forward(mixed, training: training)
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let q = cachedQKV else { preconditionFailure("attention: backward without a training forward") }
        let (n, t) = shape
        let d = dim, h = heads, dh = d / h
        let scale = 1 / Float(dh).squareRoot()
        let dMixed = projection.backward(gradOutput)
        var dq = Tensor(shape: [n, t, 3 * d]) { _ in }
        q.withUnsafeBufferPointer { qp in
            attention.withUnsafeBufferPointer { ap in
                dMixed.withUnsafeBufferPointer { gp in
                    dq.withUnsafeMutableBufferPointer { dp in
                        let qs = qp.baseAddress!, as_ = ap.baseAddress!, gs = gp.baseAddress!, ds = dp.baseAddress!
                        Parallel.forEach(n * h) { job in
                            let b = job / h, head = job % h
                            let base = qs + b * t * 3 * d + head * dh, dbase = ds + b * t * 3 * d + head * dh
                            let a = as_ + job * t * t, go = gs + b * t * d + head * dh
                            let dA = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
                            defer { dA.deallocate() }
                            // dV = Aᵀ·dO; dA = dO·Vᵀ
                            BLAS.sgemm(
                                transA: true, m: t, n: dh, k: t, a: a, lda: t, b: go, ldb: d,
                                c: dbase + 2 * d, ldc: 3 * d)
                            BLAS.sgemm(
                                transB: true, m: t, n: t, k: dh, a: go, lda: d, b: base + 2 * d, ldb: 3 * d,
                                c: dA, ldc: t)
                            // dS = A ⊙ (dA − rowsum(dA ⊙ A)), times the scale.
                            for r in 0..<t {
                                let ar = a + r * t, dr = dA + r * t
                                var dot: Float = 0
                                for j in 0..<t { dot += ar[j] * dr[j] }
                                for j in 0..<t { dr[j] = ar[j] * (dr[j] - dot) * scale }
                            }
                            // dQ = dS·K; dK = dSᵀ·Q
                            BLAS.sgemm(m: t, n: dh, k: t, a: dA, lda: t, b: base + d, ldb: 3 * d, c: dbase, ldc: 3 * d)
                            BLAS.sgemm(
                                transA: true, m: t, n: dh, k: t, a: dA, lda: t, b: base, ldb: 3 * d,
                                c: dbase + d, ldc: 3 * d)
                        }
                    }
                }
            }
        }
        cachedQKV = nil
        return qkv.backward(dq)
    }
}

/// Softmax of each row of a row-major `rows × cols` matrix, in place.
func softmaxInPlace(_ a: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let row = a + r * cols
        var m = -Float.infinity
        for j in 0..<cols { m = max(m, row[j]) }
        var s: Float = 0
        for j in 0..<cols { let e = expf(row[j] - m); row[j] = e; s += e }
        let inv = 1 / s
        for j in 0..<cols { row[j] *= inv }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
