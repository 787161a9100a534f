import PolybitTensor
import Testing

@Suite struct MicroGemmTests {
    @Test(arguments: [(16, 784, 144), (144, 196, 16), (5, 49, 9), (4, 24, 1), (7, 31, 13), (1, 8, 3)])
    func nnMatchesReference(_ d: (Int, Int, Int)) {
        let (m, n, k) = d
        var rng = SeededRNG(seed: UInt64(m + n + k))
        let a = (0..<(m * k)).map { _ in rng.nextNormal() }, b = (0..<(k * n)).map { _ in rng.nextNormal() }
        for transposeA in [false, true] {
            for accumulate in [false, true] {
                var c = [Float](repeating: 1, count: m * n)
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            MicroGemm.nn(
                                m: m, n: n, k: k, a: ap.baseAddress!, aRow: transposeA ? 1 : k,
                                aCol: transposeA ? m : 1,
                                b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n, accumulate: accumulate)
                        }
                    }
                }
                let ref = naiveProduct(a, b, m: m, n: n, k: k, transA: transposeA, transB: false)
                for i in 0..<(m * n) {
                    #expect(abs(Double(c[i]) - ref[i] - (accumulate ? 1 : 0)) < 1e-3 * Double(k).squareRoot())
                }
            }
        }
    }
}

@Suite struct MicroGemmRowSourceTests {
    /// `nn` with rows at arbitrary offsets, and `nt`, against a naive product (k tails included).
    @Test(arguments: [(16, 64, 144), (5, 40, 9), (12, 17, 13), (4, 3, 784), (7, 5, 49)])
    func offsetRowsAndTransposedB(_ d: (Int, Int, Int)) {
        let (m, n, k) = d
        var rng = SeededRNG(seed: UInt64(3 * m + n + k))
        let a = (0..<(m * k)).map { _ in rng.nextNormal() }
        // B's rows scattered in a larger buffer, in shuffled order.
        let spread = n + k + 5
        let pool = (0..<(spread * (k + n + 2))).map { _ in rng.nextNormal() }
        var offsets = (0..<max(k, n)).map { $0 * spread + ($0 * 7) % 5 }
        offsets.shuffle(using: &rng)
        let bNN = (0..<k).flatMap { p in (0..<n).map { j in pool[offsets[p] + j] } }
        let bNT = (0..<n).flatMap { j in (0..<k).map { p in pool[offsets[j] + p] } }
        let refNN = naiveProduct(a, bNN, m: m, n: n, k: k, transA: false, transB: false)
        let refNT = naiveProduct(a, bNT, m: m, n: n, k: k, transA: false, transB: true)
        for accumulate in [false, true] {
            var cNN = [Float](repeating: 1, count: m * n), cNT = cNN
            a.withUnsafeBufferPointer { ap in
                pool.withUnsafeBufferPointer { bp in
                    offsets.withUnsafeBufferPointer { op in
                        let rows = OffsetRows(base: bp.baseAddress!, offsets: op.baseAddress!)
                        cNN.withUnsafeMutableBufferPointer { cp in
                            MicroGemm.nn(
                                m: m, n: n, k: k, a: ap.baseAddress!, aRow: k, aCol: 1, rows: rows,
                                c: cp.baseAddress!, ldc: n, accumulate: accumulate)
                        }
                        cNT.withUnsafeMutableBufferPointer { cp in
                            MicroGemm.nt(
                                m: m, n: n, k: k, a: ap.baseAddress!, lda: k, rows: rows,
                                c: cp.baseAddress!, ldc: n, accumulate: accumulate)
                        }
                    }
                }
            }
            let tolerance = 1e-3 * Double(k).squareRoot(), offset: Double = accumulate ? 1 : 0
            for i in 0..<(m * n) {
                #expect(abs(Double(cNN[i]) - refNN[i] - offset) < tolerance)
                #expect(abs(Double(cNT[i]) - refNT[i] - offset) < tolerance)
            }
        }
    }
}

@Suite struct GroupedNTTests {
    /// A grouped `nt` equals the sum of its groups' separate products.
    @Test func groupsSumTheirProducts() {
        let (m, n, k, groups) = (6, 5, 16, 3)
        var rng = SeededRNG(seed: 11)
        let a = (0..<(groups * m * k)).map { _ in rng.nextNormal() },
            b = (0..<(groups * n * k)).map { _ in rng.nextNormal() }
        var grouped = [Float](repeating: 0, count: m * n), separate = grouped
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let rows = StridedRows(base: bp.baseAddress!, stride: k)
                grouped.withUnsafeMutableBufferPointer { cp in
                    MicroGemm.nt(
                        m: m, n: n, k: k, a: ap.baseAddress!, lda: k, rows: rows, c: cp.baseAddress!, ldc: n,
                        accumulate: false, groups: groups, aGroupStride: m * k, bGroupStride: n * k)
                }
                separate.withUnsafeMutableBufferPointer { cp in
                    for g in 0..<groups {
                        MicroGemm.nt(
                            m: m, n: n, k: k, a: ap.baseAddress! + g * m * k, lda: k,
                            rows: StridedRows(base: bp.baseAddress! + g * n * k, stride: k),
                            c: cp.baseAddress!, ldc: n, accumulate: g > 0)
                    }
                }
            }
        }
        for i in 0..<(m * n) { #expect(abs(grouped[i] - separate[i]) < 1e-4) }
    }
}
