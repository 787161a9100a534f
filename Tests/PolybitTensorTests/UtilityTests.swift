import PolybitTensor
import Testing

@Suite struct UtilityTests {
    @Test func rngIsDeterministicAndSeedDependent() {
        var a = SeededRNG(seed: 42), b = SeededRNG(seed: 42), c = SeededRNG(seed: 43)
        let xa = (0..<100).map { _ in a.next() }
        let xb = (0..<100).map { _ in b.next() }
        let xc = (0..<100).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test func normalSamplesHaveUnitMoments() {
        var rng = SeededRNG(seed: 3)
        let n = 200_000
        let xs = (0..<n).map { _ in Double(rng.nextNormal()) }
        let mean = xs.reduce(0, +) / Double(n)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.02)
    }

    @Test func permutationIsAPermutation() {
        var rng = SeededRNG(seed: 5)
        let p = rng.permutation(1000)
        #expect(p.sorted() == Array(0..<1000))
        #expect(p != Array(0..<1000))
    }

    @Test func parallelForVisitsEveryIndexOnce() {
        for count in [0, 1, 3, 1000] {
            var hits = [Int](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { h in
                let base = UncheckedSendable(h.baseAddress)
                Parallel.forEach(count) { i in base.value![i] += 1 }
            }
            #expect(hits.allSatisfy { $0 == 1 })
        }
    }

    @Test func reshapeKeepsElementsAndChecksCount() {
        let t = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        let r = t.reshaped([3, 2])
        #expect(r.storage == t.storage)
        #expect(r[2, 1] == 6)
        #expect(t[1, 0] == 4)
    }
}

@Suite struct ReductionTests {
    /// Blocked SIMD reductions against Double sums, at lengths around the vector and block sizes.
    @Test(arguments: [1, 7, 8, 9, 16, 511, 512, 513, 1031, 100_003])
    func sumsMatchDoubleReference(_ n: Int) {
        var rng = SeededRNG(seed: UInt64(n))
        let x = (0..<n).map { _ in rng.nextNormal() + 3 }, y = (0..<n).map { _ in rng.nextNormal() }
        let sum = x.reduce(0.0) { $0 + Double($1) }
        let mean = Float(sum / Double(n))
        let squares = x.reduce(0.0) {
            let d = Double($1 - mean); return $0 + d * d
        }
        let dot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                let tolerance = 1e-5 * Double(n)
                #expect(abs(Vec.sum(n, xp.baseAddress!) - sum) < tolerance)
                #expect(abs(Vec.squaredDeviations(n, xp.baseAddress!, center: mean) - squares) < tolerance)
                #expect(abs(Vec.dot(n, xp.baseAddress!, yp.baseAddress!) - dot) < tolerance)
            }
        }
    }
}
