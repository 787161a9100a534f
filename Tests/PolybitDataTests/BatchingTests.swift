import Testing
import PolybitData
import PolybitTensor

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
            #expect(Array(batch.images.storage[(i * 40)..<((i + 1) * 40)]) == Array(data.images[(index * 40)..<((index + 1) * 40)]))
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
        let loader = BatchLoader(dataset: data, batchSize: 32, augmentation: Augmentation(padding: 1, flip: true), seed: 3)
        let batch = loader.epoch(1)[2]
        let plain = loader.assemble(indices: batch.indices)
        var changed = 0
        for i in 0..<batch.count {
            let original = Array(plain.images.storage[(i * 40)..<((i + 1) * 40)])
            let augmented = Array(batch.images.storage[(i * 40)..<((i + 1) * 40)])
            // Some crop/flip of the original produced the augmented image.
            var candidates: [[Float]] = []
            for oy in 0...2 { for ox in 0...2 { for flip in [false, true] {
                let t = ImageTransform(padding: 1, offsetY: oy, offsetX: ox, flip: flip)
                candidates.append(t.apply(to: original, channels: 2, height: 5, width: 4))
            } } }
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

@Suite struct SyntheticAndCatalogTests {
    @Test func syntheticIsDeterministicBalancedAndLearnable() {
        let a = SyntheticDataset.splits(train: 400, test: 200, channels: 1, height: 12, width: 12, classes: 4, seed: 7)
        let b = SyntheticDataset.splits(train: 400, test: 200, channels: 1, height: 12, width: 12, classes: 4, seed: 7)
        #expect(a.train.images == b.train.images && a.test.labels == b.test.labels)
        #expect(a.train.images.prefix(144) != a.test.images.prefix(144))
        #expect(a.train.classHistogram == [100, 100, 100, 100])
        #expect(a.train.images.allSatisfy { $0 >= 0 && $0 <= 1 })
        let c = SyntheticDataset.make(count: 400, channels: 1, height: 12, width: 12, classes: 4, seed: 8)
        #expect(c.images != a.train.images)
        // Nearest class mean (fit on train) classifies the test split well: the data are learnable.
        let size = 144
        var means = [[Float]](repeating: [Float](repeating: 0, count: size), count: 4)
        for n in 0..<400 { for j in 0..<size { means[Int(a.train.labels[n])][j] += a.train.images[n * size + j] / 100 } }
        var correct = 0
        for n in 0..<200 {
            let x = a.test.images[(n * size)..<((n + 1) * size)]
            let distances = means.map { m in zip(m, x).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
            if distances.firstIndex(of: distances.min()!) == Int(a.test.labels[n]) { correct += 1 }
        }
        #expect(correct >= 180, "nearest-mean accuracy \(correct)/200")
    }

    @Test func catalogLoadsByName() throws {
        let syn = try DatasetCatalog.load(name: "synthetic", limit: 64)
        #expect(syn.train.count == 64 && syn.test.count == 64 && syn.train.classes == 10)
        let fm = try DatasetCatalog.load(name: "fashion-mnist", limit: 100)
        #expect(fm.train.count == 100 && fm.test.count == 100 && fm.classNames[0] == "T-shirt/top")
        let dir = temporaryDirectory()
        try writeIDXDirectory(dir, trainLabels: [1, 2, 3], testLabels: [4])
        let mnist = try DatasetCatalog.load(name: "mnist", dataDir: dir, limit: 2)
        #expect(mnist.train.labels == [1, 2] && mnist.test.labels == [4])
        try HDF5ImageDataset.write(mnist, to: dir + "/m.h5")
        #expect(try DatasetCatalog.load(name: "hdf5", dataDir: dir + "/m.h5").train.labels == [1, 2])
    }

    @Test func catalogErrorsAreBadInput() {
        expectError("unknown dataset 'imagenet'", "fashion-mnist, mnist, cifar10, cifar100, synthetic, hdf5") {
            _ = try DatasetCatalog.load(name: "imagenet")
        }
        expectError("/no/data: no such data directory") { _ = try DatasetCatalog.load(name: "cifar10", dataDir: "/no/data") }
        expectError("dataset 'cifar100' needs --data-dir") { _ = try DatasetCatalog.load(name: "cifar100") }
        expectError("--limit 0") { _ = try DatasetCatalog.load(name: "synthetic", limit: 0) }
        do {
            _ = try DatasetCatalog.load(name: "mnist", dataDir: "/no/data")
        } catch {
            #expect(error is any BadInput)
        }
    }
}
