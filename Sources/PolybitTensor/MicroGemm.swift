/// Register-blocked single-threaded GEMM kernels for the small-M, cache-resident shapes of
/// convolution layers (e.g. 16×144 · 144×784), where OpenBLAS's packing overhead dominates.
/// Built on `SIMD8<Float>` fused multiply-adds (AVX2+FMA with `-target-cpu haswell`).
public enum MicroGemm {
    public typealias V = SIMD8<Float>

    @inline(__always) @usableFromInline
    static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always) @usableFromInline
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let r = UnsafeMutableRawPointer(p)
        r.storeBytes(of: accumulate ? v + r.loadUnaligned(as: V.self) : v, as: V.self)
    }

    /// `C[m×n] = A·B` (or `C += A·B` when `accumulate`), with `A[i, p]` at `a[i·aRow + p·aCol]`
    /// (so a transposed A is `aRow: 1, aCol: lda`), `B` row-major `k×n` with row stride `ldb`,
    /// `C` row-major with row stride `ldc`.
    @inlinable
    public static func nn(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRow: Int, aCol: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var j = 0
        while j + 24 <= n {
            var i = 0
            while i + 4 <= m {
                kernel4x24(k: k, a: a + i * aRow, aRow: aRow, aCol: aCol, b: b + j, ldb: ldb,
                           c: c + i * ldc + j, ldc: ldc, accumulate: accumulate)
                i += 4
            }
            while i < m {
                rowKernel(width: 3, k: k, a: a + i * aRow, aCol: aCol, b: b + j, ldb: ldb,
                          c: c + i * ldc + j, accumulate: accumulate)
                i += 1
            }
            j += 24
        }
        while j + 8 <= n {
            for i in 0..<m {
                rowKernel(width: 1, k: k, a: a + i * aRow, aCol: aCol, b: b + j, ldb: ldb,
                          c: c + i * ldc + j, accumulate: accumulate)
            }
            j += 8
        }
        if j < n {
            for i in 0..<m {
                for jj in j..<n {
                    var s: Float = 0
                    for p in 0..<k { s += a[i * aRow + p * aCol] * b[p * ldb + jj] }
                    c[i * ldc + jj] = accumulate ? c[i * ldc + jj] + s : s
                }
            }
        }
    }

    /// 4 rows × 24 columns of C in twelve SIMD8 accumulators.
    @inlinable @inline(__always)
    static func kernel4x24(k: Int, a: UnsafePointer<Float>, aRow: Int, aCol: Int,
                           b: UnsafePointer<Float>, ldb: Int,
                           c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var c00 = V(), c01 = V(), c02 = V(), c10 = V(), c11 = V(), c12 = V()
        var c20 = V(), c21 = V(), c22 = V(), c30 = V(), c31 = V(), c32 = V()
        var bp = b, ap = a
        for _ in 0..<k {
            let b0 = load(bp), b1 = load(bp + 8), b2 = load(bp + 16)
            let a0 = V(repeating: ap[0]), a1 = V(repeating: ap[aRow])
            let a2 = V(repeating: ap[2 * aRow]), a3 = V(repeating: ap[3 * aRow])
            c00.addProduct(a0, b0); c01.addProduct(a0, b1); c02.addProduct(a0, b2)
            c10.addProduct(a1, b0); c11.addProduct(a1, b1); c12.addProduct(a1, b2)
            c20.addProduct(a2, b0); c21.addProduct(a2, b1); c22.addProduct(a2, b2)
            c30.addProduct(a3, b0); c31.addProduct(a3, b1); c32.addProduct(a3, b2)
            bp += ldb; ap += aCol
        }
        store(c00, c, accumulate: accumulate); store(c01, c + 8, accumulate: accumulate)
        store(c02, c + 16, accumulate: accumulate)
        store(c10, c + ldc, accumulate: accumulate); store(c11, c + ldc + 8, accumulate: accumulate)
        store(c12, c + ldc + 16, accumulate: accumulate)
        store(c20, c + 2 * ldc, accumulate: accumulate); store(c21, c + 2 * ldc + 8, accumulate: accumulate)
        store(c22, c + 2 * ldc + 16, accumulate: accumulate)
        store(c30, c + 3 * ldc, accumulate: accumulate); store(c31, c + 3 * ldc + 8, accumulate: accumulate)
        store(c32, c + 3 * ldc + 16, accumulate: accumulate)
    }

    /// One row of C, `width` SIMD8 vectors (1 or 3) wide.
    @inlinable @inline(__always)
    static func rowKernel(width: Int, k: Int, a: UnsafePointer<Float>, aCol: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        var c0 = V(), c1 = V(), c2 = V()
        var bp = b, ap = a
        if width == 3 {
            for _ in 0..<k {
                let av = V(repeating: ap[0])
                c0.addProduct(av, load(bp)); c1.addProduct(av, load(bp + 8)); c2.addProduct(av, load(bp + 16))
                bp += ldb; ap += aCol
            }
            store(c1, c + 8, accumulate: accumulate); store(c2, c + 16, accumulate: accumulate)
        } else {
            for _ in 0..<k {
                c0.addProduct(V(repeating: ap[0]), load(bp))
                bp += ldb; ap += aCol
            }
        }
        store(c0, c, accumulate: accumulate)
    }
}
