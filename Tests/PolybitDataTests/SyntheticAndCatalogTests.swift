import Testing
import PolybitData
import PolybitTestSupport

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
    }
}
