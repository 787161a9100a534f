import PolybitTensor
import Testing

/// Naive row-major product of op(A) (m×k) and op(B) (k×n), in Double.
func naiveProduct(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = transA ? a[p * m + i] : a[i * k + p]
                let bv = transB ? b[j * k + p] : b[p * n + j]
                s += Double(av) * Double(bv)
            }
            c[i * n + j] = s
        }
    }
    return c
}

@Suite struct GemmTests {
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (16, 27, 33), (64, 10, 576), (7, 129, 2)])
    func sgemmMatchesNaive(_ dims: (Int, Int, Int)) {
        let (m, n, k) = dims
        var rng = SeededRNG(seed: UInt64(m * 1000 + n * 10 + k))
        for transA in [false, true] {
            for transB in [false, true] {
                let a = (0..<(m * k)).map { _ in rng.nextNormal() }
                let b = (0..<(k * n)).map { _ in rng.nextNormal() }
                let ta = Tensor(shape: transA ? [k, m] : [m, k], storage: a)
                let tb = Tensor(shape: transB ? [n, k] : [k, n], storage: b)
                let c = ta.matmul(tb, transposeSelf: transA, transposeOther: transB)
                let ref = naiveProduct(a, b, m: m, n: n, k: k, transA: transA, transB: transB)
                #expect(c.shape == [m, n])
                for i in 0..<(m * n) {
                    #expect(abs(Double(c.storage[i]) - ref[i]) <= 1e-4 * (1 + abs(ref[i])) * Double(k).squareRoot())
                }
            }
        }
    }

    @Test func dgemmIsExactOnIntegers() {
        // Integer products summed in Double are exact below 2^53.
        let m = 4, n = 3, k = 300
        let a = (0..<(m * k)).map { Double(($0 * 37) % 255 - 127) }
        let b = (0..<(k * n)).map { Double(($0 * 91) % 255) }
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.dgemm(
                        m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n,
                        c: cp.baseAddress!, ldc: n)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var s: Int64 = 0
                for p in 0..<k { s += Int64(a[i * k + p]) * Int64(b[p * n + j]) }
                #expect(c[i * n + j] == Double(s))
            }
        }
    }
}
