import PolybitTrain
import Testing

struct BitWidthSchedulerTests {
    /// One weight vector, worked by hand at 2 bits (step 1, grid −2…1) and 3 bits (step 0.5,
    /// grid −4…3); w/step and bin k, "near" when |w/step − k| > 0.375 on an inner side:
    ///   2 bits:  0.1→0 no; 0.4→0 near; −0.45→0 near; 1.45→1 outer edge; 1.3→1 no; −2.4→−2 outer
    ///            edge; −1.6→−2 (+0.4, inner) near; 0.9→1 no: 3 of 8.
    ///   3 bits:  0.2, 0.8→1, −0.9→−1, 2.9→3, 2.6→3 (−0.4, inner) near, −4.8→−4 outer, −3.2→−3,
    ///            1.8→2: 1 of 8.
    static let weights: [Float] = [0.1, 0.4, -0.45, 1.45, 1.3, -2.4, -1.6, 0.9]

    @Test func boundaryShareMatchesHandCount() {
        #expect(BitWidthScheduler.boundaryShare(Self.weights, step: 1, bits: 2) == 3.0 / 8)
        #expect(BitWidthScheduler.boundaryShare(Self.weights, step: 0.5, bits: 3) == 1.0 / 8)
        #expect(BitWidthScheduler.boundaryShare(Self.weights + [5], step: 1, bits: 2) == 3.0 / 9, "clipped")
    }

    /// The instability criterion of three layers (mean over candidates of share / b) against the
    /// hand-computed vector, and the layers that lose their lowest candidate.
    @Test func instabilityMatchesHandComputedVector() {
        let layers: [([Float], [Int: Float])] = [
            (Self.weights, [2: 1, 3: 0.5]),  // (3/8 / 2 + 1/8 / 3) / 2
            ([0, 1, -1, 0.5], [2: 1]),  // 0.5 → 0 (off 0.5) near; others on bin centres: 1/4 / 2
            ([0.1, -0.1], [2: 1, 3: 0.5]),  // nothing near a boundary
        ]
        let got = layers.map { BitWidthScheduler.instability($0.0, steps: $0.1) }
        let expected = [(3.0 / 8 / 2 + 1.0 / 8 / 3) / 2, 1.0 / 4 / 2, 0]
        for (g, e) in zip(got, expected) { #expect(abs(g - e) < 1e-12, "\(got) vs \(expected)") }
        // ρ = 0.5 of 3 layers: int(1.5) = 1 layer, the most unstable (the second).
        #expect(BitWidthScheduler.unstableLayers(got, share: 0.5) == [1])
        #expect(BitWidthScheduler.unstableLayers(got, share: 0.7) == [1, 0])
        #expect(
            BitWidthScheduler.candidates(full: [2, 3, 4], layers: 3, removed: [1])
                == [[2, 3, 4], [3, 4], [2, 3, 4]])
        #expect(
            BitWidthScheduler.candidates(full: [3, 4], layers: 2, removed: [0]) == [[3, 4], [3, 4]], "only 2 bits")
    }

    /// From epoch 5, every 2 epochs until 72% of the run, then every 15; ρ a cosine 0.5 → 0.2.
    @Test func timingAndShare() {
        #expect((0..<15).filter { BitWidthScheduler.runs(at: $0, epochs: 15) } == [6, 8, 10])
        let long = (0..<100).filter { BitWidthScheduler.runs(at: $0, epochs: 100) }
        #expect(long == Array(stride(from: 6, through: 70, by: 2)) + [75, 90])
        #expect(BitWidthScheduler.dropShare(epoch: 0, epochs: 10) == 0.5)
        #expect(abs(BitWidthScheduler.dropShare(epoch: 5, epochs: 10) - 0.35) < 1e-12)
        #expect(abs(BitWidthScheduler.dropShare(epoch: 10, epochs: 10) - 0.2) < 1e-12)
    }
}
