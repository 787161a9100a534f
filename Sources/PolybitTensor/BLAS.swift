import CBLAS

/// BLAS-backed matrix products (OpenBLAS). All matrices are row-major.
public enum BLAS {
    /// Threads OpenBLAS uses for one call. Pin it for anything compared bit for bit: results
    /// differ between thread counts and repeat exactly at a fixed count.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// `C = alpha · op(A) · op(B) + beta · C` in Float, where `op(A)` is `m × k`, `op(B)` is `k × n`.
    /// `lda`, `ldb`, `ldc` are row strides of the matrices as stored.
    @inlinable
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
            transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    /// `C = alpha · op(A) · op(B) + beta · C` in Double (exact for integer sums below 2^53).
    @inlinable
    public static func dgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
            transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

extension Tensor {
    /// Matrix product of two rank-2 tensors: `op(self) · op(other)`.
    public func matmul(
        _ other: Tensor, transposeSelf: Bool = false,
        transposeOther: Bool = false
    ) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs rank-2 tensors")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul inner dimensions \(k) and \(k2) differ")
        var out = Tensor(shape: [m, n])
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(
                        transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k,
                        a: a.baseAddress!, lda: shape[1], b: b.baseAddress!,
                        ldb: other.shape[1], c: c.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }
}

extension BLAS {
    /// `C = op(A) · B` (+ `beta·C`) with the `n` columns of B and C split over `Parallel.threads`
    /// workers, each calling single-threaded sgemm (keep `BLAS.threads == 1` so the two thread
    /// pools do not compete). B is `k × n` (not transposed), row stride `ldb`.
    @inlinable
    public static func sgemmSplitColumns(
        transA: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let minimum = max(256, (1 << 16) / max(1, m * k / 64))
        Parallel.forEachChunk(n, minimumChunk: minimum) { r in
            sgemm(
                transA: transA, m: m, n: r.count, k: k, a: a, lda: lda, b: b + r.lowerBound, ldb: ldb,
                beta: beta, c: c + r.lowerBound, ldc: ldc)
        }
    }

    /// `C = A · Bᵀ` where the shared dimension `k` is long (e.g. weight gradients summed over
    /// every output position): each worker multiplies a slice of `k` into its own partial product,
    /// and the partials are added. A is `m × k` (row stride `lda`), B is `n × k` (row stride `ldb`).
    public static func sgemmSplitReduction(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let workers = max(1, min(Parallel.threads, k / 4096))
        if workers == 1 {
            sgemm(transB: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
            return
        }
        var partial = [Float](repeating: 0, count: (workers - 1) * m * n)
        partial.withUnsafeMutableBufferPointer { pp in
            let p = pp.baseAddress!
            Parallel.forEachChunk(workers) { ws in
                for w in ws {
                    let lo = k * w / workers, hi = k * (w + 1) / workers
                    let out = w == 0 ? c : p + (w - 1) * m * n
                    let ld = w == 0 ? ldc : n
                    sgemm(
                        transB: true, m: m, n: n, k: hi - lo, a: a + lo, lda: lda, b: b + lo, ldb: ldb,
                        c: out, ldc: ld)
                }
            }
            for w in 1..<workers {
                let src = p + (w - 1) * m * n
                for i in 0..<m { Vec.axpy(n, 1, src + i * n, c + i * ldc) }
            }
        }
    }
}
