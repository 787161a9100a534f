import Testing
import PolybitTensor

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
