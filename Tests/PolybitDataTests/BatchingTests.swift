import PolybitData
import PolybitTensor
import Testing

@Suite struct BatchingTests {
    let data = SyntheticDataset.make(count: 103, channels: 2, height: 5, width: 4, classes: 7, seed: 1)

    @Test func coversEveryIndexOncePerEpoch() {
        let loader = BatchLoader(dataset: data, batchSize: 16, seed: 5)
        let batches = loader.epoch(0)
        #expect(batches.count == 7)
        #expect(batches.map(\.count) == [16, 16, 16, 16, 16, 16, 7])
        let seen = batches.flatMap(\.indices)
        #expect(seen.sorted() == Array(0..<103))
        #expect(seen != Array(0..<103))
        var dropping = loader
        dropping.dropLast = true
        #expect(dropping.epoch(0).map(\.count) == [Int](repeating: 16, count: 6))
    }

    @Test func batchesHoldTheirSamples() {
        let loader = BatchLoader(dataset: data, batchSize: 10, seed: 2)
        let batch = loader.epoch(3)[4]
        #expect(batch.images.shape == [10, 2, 5, 4])
        for (i, index) in batch.indices.enumerated() {
            #expect(batch.labels[i] == data.labels[index])
            #expect(
                Array(batch.images.storage[(i * 40)..<((i + 1) * 40)])
                    == Array(data.images[(index * 40)..<((index + 1) * 40)]))
        }
    }

    @Test func deterministicUnderASeedAndDifferentAcrossEpochs() {
        let a = BatchLoader(dataset: data, batchSize: 8, augmentation: Augmentation(padding: 2, flip: true), seed: 11)
        let b = BatchLoader(dataset: data, batchSize: 8, augmentation: Augmentation(padding: 2, flip: true), seed: 11)
        #expect(a.epoch(2).order == b.epoch(2).order)
        #expect(a.epoch(2).map(\.images) == b.epoch(2).map(\.images))
        #expect(a.epoch(2).order != a.epoch(3).order)
        var other = a
        other.seed = 12
        #expect(other.epoch(2).order != a.epoch(2).order)
        // The same samples get different augmentation in another epoch.
        let (e2, e3) = (a.epoch(2), a.epoch(3))
        #expect(a.assemble(indices: e2[0].indices).images != e2[0].images)
        #expect(e3.map(\.images) != e2.map(\.images))
    }

    @Test func augmentationMatchesTheTransformOfEachSample() {
        let loader = BatchLoader(
            dataset: data, batchSize: 32, augmentation: Augmentation(padding: 1, flip: true), seed: 3)
        let batch = loader.epoch(1)[2]
        let plain = loader.assemble(indices: batch.indices)
        var changed = 0
        for i in 0..<batch.count {
            let original = Array(plain.images.storage[(i * 40)..<((i + 1) * 40)])
            let augmented = Array(batch.images.storage[(i * 40)..<((i + 1) * 40)])
            // Some crop/flip of the original produced the augmented image.
            var candidates: [[Float]] = []
            for oy in 0...2 {
                for ox in 0...2 {
                    for flip in [false, true] {
                        let t = ImageTransform(padding: 1, offsetY: oy, offsetX: ox, flip: flip)
                        candidates.append(t.apply(to: original, channels: 2, height: 5, width: 4))
                    }
                }
            }
            #expect(candidates.contains(augmented))
            if augmented != original { changed += 1 }
        }
        #expect(changed > 16)
    }

    @Test func respectsASubset() {
        let subset = [3, 50, 7, 99, 12, 60, 61, 0]
        let loader = BatchLoader(dataset: data, batchSize: 3, seed: 4)
        let batches = loader.epoch(0, subset: subset)
        #expect(batches.count == 3)
        #expect(batches.flatMap(\.indices).sorted() == subset.sorted())
        #expect(loader.epoch(1, subset: subset).order != batches.order)
    }

    @Test func evaluationIsInOrderWithoutAugmentation() {
        let loader = BatchLoader.evaluation(data, batchSize: 50)
        let batches = loader.epoch(0)
        #expect(batches.map(\.count) == [50, 50, 3])
        #expect(batches.flatMap(\.indices) == Array(0..<103))
        #expect(batches.flatMap(\.images.storage) == data.images)
        #expect(loader.epoch(0, subset: [5, 1]).order == [5, 1])
    }
}
