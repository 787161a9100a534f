import Foundation
import PolybitData
import PolybitTestSupport
import Testing

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
        for n in 0..<400 {
            for j in 0..<size { means[Int(a.train.labels[n])][j] += a.train.images[n * size + j] / 100 }
        }
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
        expectError("/no/data: no such data directory") {
            _ = try DatasetCatalog.load(name: "cifar10", dataDir: "/no/data")
        }
        expectError("dataset 'cifar100' needs --data-dir") { _ = try DatasetCatalog.load(name: "cifar100") }
        expectError("--limit 0") { _ = try DatasetCatalog.load(name: "synthetic", limit: 0) }
    }

    /// The held-out split is the last images of the official training split, disjoint from the
    /// training images, taken before the limit, which it does not shorten.
    @Test func validationIsHeldOutBeforeTheLimit() throws {
        let full = try DatasetCatalog.load(name: "synthetic")
        #expect(full.validation == nil && full.train.count == 6000)
        let held = try DatasetCatalog.load(name: "synthetic", validation: .images(1000), limit: 300)
        let validation = try #require(held.validation)
        #expect(held.train.count == 300 && held.test.count == 300 && validation.count == 1000)
        let size = full.train.imageSize
        #expect(
            validation.images == Array(full.train.images[(5000 * size)...])
                && validation.labels == Array(full.train.labels[5000...]))
        #expect(held.train.images == Array(full.train.images[..<(300 * size)]))
        let unlimited = try DatasetCatalog.load(name: "synthetic", validation: .images(1000))
        #expect(unlimited.train.count == 5000 && unlimited.train.labels + validation.labels == full.train.labels)
        #expect(unlimited.validation?.name == "synthetic/validation")
        // auto: the dataset's default; fashion-mnist keeps 55,000 training images.
        #expect(try DatasetCatalog.load(name: "synthetic", validation: .auto, limit: 10).validation?.count == 1000)
        let fm = try DatasetCatalog.load(name: "fashion-mnist", validation: .auto)
        #expect(fm.train.count == 55_000 && fm.validation?.count == 5000 && fm.test.count == 10_000)
        let dir = temporaryDirectory()
        try writeIDXDirectory(dir, trainLabels: (0..<25).map { UInt8($0 % 10) }, testLabels: [4])
        try HDF5ImageDataset.write(try DatasetCatalog.load(name: "mnist", dataDir: dir), to: dir + "/m.h5")
        let h5 = try DatasetCatalog.load(name: "hdf5", dataDir: dir + "/m.h5", validation: .auto)
        #expect(h5.train.count == 23 && h5.validation?.labels == [3, 4], "a tenth of 25, rounded down")
        #expect(
            try DatasetCatalog.load(name: "hdf5", dataDir: dir + "/m.h5", validation: .auto, limit: 5).validation?.count
                == 2)
        expectError("--validation 6000: expected 0...5999 (synthetic has 6000 training images") {
            _ = try DatasetCatalog.load(name: "synthetic", validation: .images(6000))
        }
        expectError("--validation -1") { _ = try DatasetCatalog.load(name: "synthetic", validation: .images(-1)) }
    }

    @Test func validationSizeSpellings() throws {
        #expect(
            ValidationSplitSize(rawValue: "auto") == .auto && ValidationSplitSize(rawValue: "5000") == .images(5000))
        #expect(ValidationSplitSize(rawValue: "-3") == nil && ValidationSplitSize(rawValue: "many") == nil)
        let json = try JSONEncoder().encode([ValidationSplitSize.auto, .images(0), .images(12)])
        #expect(String(decoding: json, as: UTF8.self) == #"["auto",0,12]"#)
        #expect(try JSONDecoder().decode([ValidationSplitSize].self, from: json) == [.auto, .images(0), .images(12)])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([ValidationSplitSize].self, from: Data(#"["some"]"#.utf8))
        }
    }
}
