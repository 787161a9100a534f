import PolybitTensor
import PolybitTrain
import Testing

struct RandomStreamTests {
    /// The streams' seeds are part of every stored run: these are the offsets runs have always used
    /// (changing one changes every run's weights, so this test must not be updated to follow a change).
    @Test func seedsArePinned() {
        let seed: UInt64 = 1_000
        #expect(RandomStream.initialization.seed(seed) == 1_001)
        #expect(RandomStream.dataOrder(pass: 0).seed(seed) == 1_000)
        #expect(RandomStream.dataOrder(pass: 2).seed(seed) == 1_000 + 2 * 0x9E37_79B9)
        #expect(RandomStream.statisticsRefresh.seed(seed) == 1_000 + 0xB_47C4)
        #expect(RandomStream.candidatePool.seed(seed) == 1_000 + 0xCA4D)
        #expect(RandomStream.randomScores.seed(seed) == 1_000 + 0xC0FE)
        #expect(RandomStream.coresetSelection.seed(seed) == 1_000 + 0x5E_1EC7)
        #expect(RandomStream.initialization.seed(.max) == 0, "wraps around")
    }

    /// No two streams of a run share a seed, and a redraw's generator is its own sub-stream.
    @Test func streamsAreDistinct() {
        let streams: [RandomStream] =
            [
                .initialization, .statisticsRefresh, .candidatePool, .randomScores,
                .coresetSelection,
            ] + (0..<9).map { .dataOrder(pass: $0) }
        for seed: UInt64 in [0, 3, 1 << 40] {
            #expect(Set(streams.map { $0.seed(seed) }).count == streams.count)
        }
        func first(_ rng: SeededRNG) -> UInt64 { var rng = rng; return rng.next() }
        let drawn = first(RandomStream.coresetSelection.generator(seed: 3, epoch: 2, pass: 1))
        #expect(drawn == first(SeededRNG.stream(seed: RandomStream.coresetSelection.seed(3), 2 * 64 + 1)))
        #expect(drawn != first(RandomStream.coresetSelection.generator(seed: 3, epoch: 2, pass: 0)))
        #expect(drawn != first(RandomStream.coresetSelection.generator(seed: 3, epoch: 3, pass: 1)))
    }
}
