/// Register-blocked single-threaded GEMM kernels for the small-M, cache-resident shapes of
/// convolution layers (e.g. 16×144 · 144×784), where OpenBLAS's packing overhead dominates.
/// Built on `SIMD8<Float>` fused multiply-adds (AVX2+FMA with `-target-cpu haswell`).
///
/// The rows of `B` come from a `GemmRows` source: evenly strided (a plain row-major matrix) or
/// at arbitrary offsets from a base (an implicit im2col: row `(c, ky, kx)` of a convolution's
/// column matrix is the padded input plane `c` shifted by `ky·rowStride + kx`).
public enum MicroGemm {
    public typealias V = SIMD8<Float>

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let r = UnsafeMutableRawPointer(p)
        r.storeBytes(of: accumulate ? v + r.loadUnaligned(as: V.self) : v, as: V.self)
    }

    /// `C[m×n] = A·B` (or `C += A·B` when `accumulate`), with `A[i, p]` at `a[i·aRow + p·aCol]`
    /// (so a transposed A is `aRow: 1, aCol: lda`), `B` row-major `k×n` with row stride `ldb`,
    /// `C` row-major with row stride `ldc`.
    @inlinable
    public static func nn(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRow: Int, aCol: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        nn(
            m: m, n: n, k: k, a: a, aRow: aRow, aCol: aCol, rows: StridedRows(base: b, stride: ldb),
            c: c, ldc: ldc, accumulate: accumulate)
    }

    /// Most rows of `B` per pass (k is split evenly): a 24-column block of them (up to 18 KiB)
    /// stays in L1 while every row block of `A` streams past it.
    public static let depthBlock = 192

    /// `C[m×n] (+)= A·B` where row `p` of `B` (`n` floats) starts at `rows[p]`.
    @inlinable
    public static func nn<Rows: GemmRows>(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRow: Int,
        aCol: Int, rows: Rows,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        let passes = max(1, (k + depthBlock - 1) / depthBlock), depth = (k + passes - 1) / passes
        var p0 = 0
        repeat {
            let depth = min(depth, k - p0)
            nnPass(
                m: m, n: n, k: depth, a: a + p0 * aCol, aRow: aRow, aCol: aCol, rows: rows.dropping(p0),
                c: c, ldc: ldc, accumulate: accumulate || p0 > 0)
            p0 += depth
        } while p0 < k
    }

    /// One depth block of `nn`.
    @inlinable
    static func nnPass<Rows: GemmRows>(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRow: Int,
        aCol: Int, rows: Rows,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        var j = 0
        while j + 24 <= n {
            columnBlock(
                ThreeVectors.self, m: m, k: k, a: a, aRow: aRow, aCol: aCol, rows: rows, column: j,
                c: c, ldc: ldc, accumulate: accumulate)
            j += 24
        }
        if j + 16 <= n {
            columnBlock(
                TwoVectors.self, m: m, k: k, a: a, aRow: aRow, aCol: aCol, rows: rows, column: j,
                c: c, ldc: ldc, accumulate: accumulate)
            j += 16
        }
        if j + 8 <= n {
            columnBlock(
                OneVector.self, m: m, k: k, a: a, aRow: aRow, aCol: aCol, rows: rows, column: j,
                c: c, ldc: ldc, accumulate: accumulate)
            j += 8
        }
        if j < n {
            for i in 0..<m {
                for jj in j..<n {
                    var s: Float = 0
                    for p in 0..<k { s += a[i * aRow + p * aCol] * rows[p][jj] }
                    c[i * ldc + jj] = accumulate ? c[i * ldc + jj] + s : s
                }
            }
        }
    }

    /// Columns `column ..< column + 8·width` of C, four rows at a time.
    @inlinable @inline(__always)
    static func columnBlock<Rows: GemmRows, Width: KernelWidth>(
        _: Width.Type, m: Int, k: Int, a: UnsafePointer<Float>, aRow: Int,
        aCol: Int, rows: Rows, column: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        var i = 0
        while i + 4 <= m {
            kernel4(
                width: Width.vectors, k: k, a: a + i * aRow, aRow: aRow, aCol: aCol, rows: rows, column: column,
                c: c + i * ldc + column, ldc: ldc, accumulate: accumulate)
            i += 4
        }
        while i < m {
            kernel1(
                width: Width.vectors, k: k, a: a + i * aRow, aCol: aCol, rows: rows, column: column,
                c: c + i * ldc + column, accumulate: accumulate)
            i += 1
        }
    }

    /// 4 rows × `8·width` columns of C (`width` 1–3) in up to twelve SIMD8 accumulators.
    @inlinable @inline(__always)
    static func kernel4<Rows: GemmRows>(
        width: Int, k: Int, a: UnsafePointer<Float>, aRow: Int, aCol: Int,
        rows: Rows, column: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        var c00 = V(), c01 = V(), c02 = V(), c10 = V(), c11 = V(), c12 = V()
        var c20 = V(), c21 = V(), c22 = V(), c30 = V(), c31 = V(), c32 = V()
        var ap = a
        for p in 0..<k {
            // Three B vectors and one broadcast A value live at a time: 12 + 3 + 1 = 16 registers.
            let bp = rows[p] + column
            let b0 = load(bp), b1 = width > 1 ? load(bp + 8) : V(), b2 = width > 2 ? load(bp + 16) : V()
            let a0 = V(repeating: ap[0])
            c00.addProduct(a0, b0)
            if width > 1 { c01.addProduct(a0, b1) }
            if width > 2 { c02.addProduct(a0, b2) }
            let a1 = V(repeating: ap[aRow])
            c10.addProduct(a1, b0)
            if width > 1 { c11.addProduct(a1, b1) }
            if width > 2 { c12.addProduct(a1, b2) }
            let a2 = V(repeating: ap[2 * aRow])
            c20.addProduct(a2, b0)
            if width > 1 { c21.addProduct(a2, b1) }
            if width > 2 { c22.addProduct(a2, b2) }
            let a3 = V(repeating: ap[3 * aRow])
            c30.addProduct(a3, b0)
            if width > 1 { c31.addProduct(a3, b1) }
            if width > 2 { c32.addProduct(a3, b2) }
            ap += aCol
        }
        storeRow(width: width, c00, c01, c02, c, accumulate: accumulate)
        storeRow(width: width, c10, c11, c12, c + ldc, accumulate: accumulate)
        storeRow(width: width, c20, c21, c22, c + 2 * ldc, accumulate: accumulate)
        storeRow(width: width, c30, c31, c32, c + 3 * ldc, accumulate: accumulate)
    }

    @inlinable @inline(__always)
    static func storeRow(
        width: Int, _ v0: V, _ v1: V, _ v2: V, _ c: UnsafeMutablePointer<Float>,
        accumulate: Bool
    ) {
        store(v0, c, accumulate: accumulate)
        if width > 1 { store(v1, c + 8, accumulate: accumulate) }
        if width > 2 { store(v2, c + 16, accumulate: accumulate) }
    }

    /// One row × `8·width` columns of C.
    @inlinable @inline(__always)
    static func kernel1<Rows: GemmRows>(
        width: Int, k: Int, a: UnsafePointer<Float>, aCol: Int, rows: Rows,
        column: Int, c: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        var c0 = V(), c1 = V(), c2 = V()
        var ap = a
        for p in 0..<k {
            let bp = rows[p] + column, av = V(repeating: ap[0])
            c0.addProduct(av, load(bp))
            if width > 1 { c1.addProduct(av, load(bp + 8)) }
            if width > 2 { c2.addProduct(av, load(bp + 16)) }
            ap += aCol
        }
        storeRow(width: width, c0, c1, c2, c, accumulate: accumulate)
    }

    /// `C[m×n] (+)= A·Bᵀ`: `C[i, j] = Σ_p A[i, p]·B_j[p]` with `A` row-major (row stride `lda`) and
    /// row `j` of `B` starting at `rows[j]`; both are read along `p`, so neither is transposed.
    ///
    /// With `groups > 1` the depth is `groups` segments of `k`: segment `g` reads A at
    /// `a + g·aGroupStride` and B's rows at `rows[j] + g·bGroupStride` (several images' products
    /// summed before one horizontal reduction). `k` must then be a multiple of 8.
    @inlinable
    public static func nt<Rows: GemmRows>(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        rows: Rows, c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, groups: Int = 1, aGroupStride: Int = 0,
        bGroupStride: Int = 0
    ) {
        let kv = k & ~7
        precondition(groups == 1 || kv == k, "grouped MicroGemm.nt needs k to be a multiple of 8")
        if kv < k {
            // The k % 8 tail first, so the vector blocks below can accumulate onto it.
            for i in 0..<m {
                for j in 0..<n {
                    var s: Float = 0
                    let br = rows[j]
                    for p in kv..<k { s += a[i * lda + p] * br[p] }
                    c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s
                }
            }
        }
        let shape = DotShape(k: kv, lda: lda, groups: groups, aGroupStride: aGroupStride, bGroupStride: bGroupStride)
        var i = 0
        while i < m {
            let h = min(4, m - i)
            var j = 0
            while j < n {
                let w = min(3, n - j)
                if h == 4 && w == 3 {
                    dot4x3(
                        shape, a: a + i * lda, rows: rows, row: j, c: c + i * ldc + j, ldc: ldc,
                        accumulate: accumulate || kv < k)
                } else if h == 4 {
                    for jj in j..<(j + w) {
                        dot4x1(
                            shape, a: a + i * lda, rows: rows, row: jj, c: c + i * ldc + jj, ldc: ldc,
                            accumulate: accumulate || kv < k)
                    }
                } else {
                    for ii in i..<(i + h) {
                        for jj in j..<(j + w) {
                            var s = V()
                            for g in 0..<groups {
                                let ar = a + ii * lda + g * aGroupStride, br = rows[jj] + g * bGroupStride
                                var p = 0
                                while p < kv { s.addProduct(load(ar + p), load(br + p)); p += 8 }
                            }
                            c[ii * ldc + jj] = accumulate || kv < k ? c[ii * ldc + jj] + s.sum() : s.sum()
                        }
                    }
                }
                j += w
            }
            i += h
        }
    }

    /// Depth layout of an `nt` product: `groups` segments of `k` (a multiple of 8).
    @usableFromInline
    struct DotShape {
        @usableFromInline let k: Int, lda: Int, groups: Int, aGroupStride: Int, bGroupStride: Int
        @inlinable init(k: Int, lda: Int, groups: Int, aGroupStride: Int, bGroupStride: Int) {
            self.k = k; self.lda = lda; self.groups = groups
            self.aGroupStride = aGroupStride; self.bGroupStride = bGroupStride
        }
    }

    /// 4×3 block of `A·Bᵀ` as twelve SIMD8 dot products, reduced at the end.
    @inlinable @inline(__always)
    static func dot4x3<Rows: GemmRows>(
        _ d: DotShape, a: UnsafePointer<Float>, rows: Rows, row: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        var s00 = V(), s01 = V(), s02 = V(), s10 = V(), s11 = V(), s12 = V()
        var s20 = V(), s21 = V(), s22 = V(), s30 = V(), s31 = V(), s32 = V()
        let lda = d.lda
        for g in 0..<d.groups {
            let b0 = rows[row] + g * d.bGroupStride, b1 = rows[row + 1] + g * d.bGroupStride
            let b2 = rows[row + 2] + g * d.bGroupStride, ag = a + g * d.aGroupStride
            var p = 0
            while p < d.k {
                let x0 = load(b0 + p), x1 = load(b1 + p), x2 = load(b2 + p)
                let a0 = load(ag + p)
                s00.addProduct(a0, x0); s01.addProduct(a0, x1); s02.addProduct(a0, x2)
                let a1 = load(ag + lda + p)
                s10.addProduct(a1, x0); s11.addProduct(a1, x1); s12.addProduct(a1, x2)
                let a2 = load(ag + 2 * lda + p)
                s20.addProduct(a2, x0); s21.addProduct(a2, x1); s22.addProduct(a2, x2)
                let a3 = load(ag + 3 * lda + p)
                s30.addProduct(a3, x0); s31.addProduct(a3, x1); s32.addProduct(a3, x2)
                p += 8
            }
        }
        storeSums(s00, s01, s02, c, accumulate: accumulate)
        storeSums(s10, s11, s12, c + ldc, accumulate: accumulate)
        storeSums(s20, s21, s22, c + 2 * ldc, accumulate: accumulate)
        storeSums(s30, s31, s32, c + 3 * ldc, accumulate: accumulate)
    }

    /// 4×1 block of `A·Bᵀ` (the columns left after the 4×3 blocks): four SIMD8 dot products
    /// sharing each load of the B row.
    @inlinable @inline(__always)
    static func dot4x1<Rows: GemmRows>(
        _ d: DotShape, a: UnsafePointer<Float>, rows: Rows, row: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        let lda = d.lda
        for g in 0..<d.groups {
            let b = rows[row] + g * d.bGroupStride, ag = a + g * d.aGroupStride
            var p = 0
            while p < d.k {
                let x = load(b + p)
                s0.addProduct(load(ag + p), x); s1.addProduct(load(ag + lda + p), x)
                s2.addProduct(load(ag + 2 * lda + p), x); s3.addProduct(load(ag + 3 * lda + p), x)
                p += 8
            }
        }
        c[0] = accumulate ? c[0] + s0.sum() : s0.sum()
        c[ldc] = accumulate ? c[ldc] + s1.sum() : s1.sum()
        c[2 * ldc] = accumulate ? c[2 * ldc] + s2.sum() : s2.sum()
        c[3 * ldc] = accumulate ? c[3 * ldc] + s3.sum() : s3.sum()
    }

    @inlinable @inline(__always)
    static func storeSums(_ s0: V, _ s1: V, _ s2: V, _ c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        c[0] = accumulate ? c[0] + s0.sum() : s0.sum()
        c[1] = accumulate ? c[1] + s1.sum() : s1.sum()
        c[2] = accumulate ? c[2] + s2.sum() : s2.sum()
    }
}

/// Width of a micro-kernel's column block in SIMD8 vectors, as a type so that every width gets
/// its own specialized (branch-free) kernel.
public protocol KernelWidth { static var vectors: Int { get } }
public enum OneVector: KernelWidth { @inlinable public static var vectors: Int { 1 } }
public enum TwoVectors: KernelWidth { @inlinable public static var vectors: Int { 2 } }
public enum ThreeVectors: KernelWidth { @inlinable public static var vectors: Int { 3 } }

/// Where each row of a GEMM operand starts.
public protocol GemmRows {
    /// The first element of row `p`.
    subscript(p: Int) -> UnsafePointer<Float> { get }
    /// The same rows from row `count` on.
    func dropping(_ count: Int) -> Self
}

/// Rows of a row-major matrix: row `p` at `base + p·stride`.
public struct StridedRows: GemmRows {
    public let base: UnsafePointer<Float>, stride: Int
    @inlinable public init(base: UnsafePointer<Float>, stride: Int) { self.base = base; self.stride = stride }
    @inlinable public subscript(p: Int) -> UnsafePointer<Float> { base + p * stride }
    @inlinable public func dropping(_ count: Int) -> StridedRows {
        StridedRows(base: base + count * stride, stride: stride)
    }
}

/// Rows at arbitrary element offsets from one base: row `p` at `base + offsets[p]`.
public struct OffsetRows: GemmRows {
    public let base: UnsafePointer<Float>, offsets: UnsafePointer<Int>
    @inlinable public init(base: UnsafePointer<Float>, offsets: UnsafePointer<Int>) {
        self.base = base; self.offsets = offsets
    }
    @inlinable public subscript(p: Int) -> UnsafePointer<Float> { base + offsets[p] }
    @inlinable public func dropping(_ count: Int) -> OffsetRows { OffsetRows(base: base, offsets: offsets + count) }
}
