import Testing
import PolybitTensor

@Suite struct MicroGemmTests {
    @Test(arguments: [(16, 784, 144), (144, 196, 16), (5, 49, 9), (4, 24, 1), (7, 31, 13), (1, 8, 3)])
    func nnMatchesReference(_ d: (Int, Int, Int)) {
        let (m, n, k) = d
        var rng = SeededRNG(seed: UInt64(m + n + k))
        let a = (0..<(m * k)).map { _ in rng.nextNormal() }, b = (0..<(k * n)).map { _ in rng.nextNormal() }
        for transposeA in [false, true] {
            for accumulate in [false, true] {
                var c = [Float](repeating: 1, count: m * n)
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    MicroGemm.nn(m: m, n: n, k: k, a: ap.baseAddress!, aRow: transposeA ? 1 : k, aCol: transposeA ? m : 1,
                                 b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n, accumulate: accumulate)
                } } }
                let ref = naiveProduct(a, b, m: m, n: n, k: k, transA: transposeA, transB: false)
                for i in 0..<(m * n) {
                    #expect(abs(Double(c[i]) - ref[i] - (accumulate ? 1 : 0)) < 1e-3 * Double(k).squareRoot())
                }
            }
        }
    }
}
