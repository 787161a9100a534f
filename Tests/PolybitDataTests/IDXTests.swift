import Foundation
import PolybitData
import PolybitTestSupport
import Testing

@Suite struct FashionMNISTTests {
    @Test func readsTheDebianPackage() throws {
        let splits = try FashionMNIST.load()
        #expect(splits.train.count == 60_000 && splits.test.count == 10_000)
        #expect(splits.train.classHistogram == [Int](repeating: 6000, count: 10))
        #expect(splits.test.classHistogram == [Int](repeating: 1000, count: 10))
        #expect(splits.train.channels == 1 && splits.train.height == 28 && splits.train.width == 28)
        #expect(splits.train.images.count == 60_000 * 784)
        #expect(splits.train.images.min() == 0 && splits.train.images.max() == 1)
        #expect(splits.classNames.count == 10 && splits.classNames[9] == "Ankle boot")
        // Every value is a raw byte over 255.
        #expect(splits.test.images.prefix(5000).allSatisfy { ($0 * 255).rounded() / 255 == $0 })
    }
}

@Suite struct IDXTests {
    @Test func readsPlainAndGzipWithTheSameResult() throws {
        let dir = temporaryDirectory()
        let file = idxHeader(dimensions: [2, 2, 3]) + (0..<12).map { UInt8($0 * 20) }
        try writeBytes(file, to: dir + "/plain")
        try writeBytes(try gzipped(file), to: dir + "/packed.gz")
        let plain = try IDX.readImages(dir + "/plain"), packed = try IDX.readImages(dir + "/packed.gz")
        #expect(plain.pixels == packed.pixels)
        #expect(plain.count == 2 && plain.height == 2 && plain.width == 3)
        #expect(plain.pixels[11] == 220)
    }

    @Test func readsConcatenatedGzipMembers() throws {
        let dir = temporaryDirectory()
        let file = idxHeader(dimensions: [4]) + [1, 2, 3, 0]
        try writeBytes(try gzipped(Array(file.prefix(6))) + (try gzipped(Array(file.dropFirst(6)))), to: dir + "/l.gz")
        #expect(try IDX.readLabels(dir + "/l.gz", classes: 10) == [1, 2, 3, 0])
    }

    @Test func aGzipBombIsInflatedNoFurtherThanTheHeaderAnnounces() throws {
        // One 1×1 image announced, 16 MiB of zeros packed (16 KiB of gzip): the reader stops
        // one byte past the announced data, so "at least 2" bytes of data.
        let dir = temporaryDirectory()
        try writeBytes(
            try gzipped(idxHeader(dimensions: [1, 1, 1]) + [UInt8](repeating: 0, count: 1 << 24)), to: dir + "/bomb.gz")
        expectError(
            dir + "/bomb.gz",
            "header says 1x1x1 images (1 bytes of data) but the file holds at least 2; expected exactly that many"
        ) { _ = try IDX.readImages(dir + "/bomb.gz") }
    }

    @Test func mnistLayoutLoadsFromAnyDirectory() throws {
        let dir = temporaryDirectory()
        try writeIDXDirectory(dir, trainLabels: [0, 1, 2, 9, 9], testLabels: [3, 4])
        let splits = try MNIST.load(directory: dir)
        #expect(splits.train.labels == [0, 1, 2, 9, 9] && splits.test.labels == [3, 4])
        #expect(splits.train.height == 4 && splits.train.width == 3 && splits.train.channels == 1)
        #expect(splits.train.images[1] == Float(1) / 255)
    }

    @Test func missingFileIsNamed() throws {
        let dir = temporaryDirectory()
        try writeIDXDirectory(dir, trainLabels: [0, 1], testLabels: [2])
        try FileManager.default.removeItem(atPath: dir + "/t10k-labels-idx1-ubyte")
        expectError("t10k-labels-idx1-ubyte", "no such file") { _ = try MNIST.load(directory: dir) }
        expectError("nowhere.gz: no such file") { _ = try IDX.readLabels(dir + "/nowhere.gz", classes: 10) }
    }

    @Test func missingDirectoryIsNamed() {
        expectError("/no/such/dir", "no such data directory") { _ = try FashionMNIST.load(directory: "/no/such/dir") }
    }

    @Test func truncatedGzipStream() throws {
        let dir = temporaryDirectory()
        let gz = try gzipped(idxHeader(dimensions: [50, 8, 8]) + (0..<3200).map { _ in UInt8.random(in: 0...255) })
        try writeBytes(Array(gz.prefix(gz.count / 2)), to: dir + "/cut.gz")
        expectError("cut.gz", "truncated gzip stream") { _ = try IDX.readImages(dir + "/cut.gz") }
    }

    @Test func corruptGzipStream() throws {
        let dir = temporaryDirectory()
        var gz = try gzipped(idxHeader(dimensions: [50, 8, 8]) + [UInt8](repeating: 7, count: 3200))
        for i in 10..<20 { gz[i] = 0xff }
        try writeBytes(gz, to: dir + "/bad.gz")
        expectError("bad.gz", "corrupt gzip stream") { _ = try IDX.readImages(dir + "/bad.gz") }
    }

    @Test func wrongMagic() throws {
        let dir = temporaryDirectory()
        try writeBytes(idxHeader(dimensions: [3]) + [0, 1, 2], to: dir + "/labels")
        expectError("labels: wrong magic number 0x00000801", "expected 0x00000803") {
            _ = try IDX.readImages(dir + "/labels")
        }
        try writeBytes([0x50, 0x4b, 3, 4, 0, 0, 0, 0], to: dir + "/zip")
        expectError("zip: wrong magic number 0x504b0304", "expected 0x00000801") {
            _ = try IDX.readLabels(dir + "/zip", classes: 10)
        }
    }

    @Test func headerClaimingMoreImagesThanBytes() throws {
        let dir = temporaryDirectory()
        try writeBytes(idxHeader(dimensions: [10, 4, 4]) + [UInt8](repeating: 1, count: 9 * 16), to: dir + "/short")
        expectError("short: truncated", "10x4x4 images (160 bytes of data)", "holds 144") {
            _ = try IDX.readImages(dir + "/short")
        }
        try writeBytes(idxHeader(dimensions: [1 << 32 - 1, 1 << 32 - 1, 1 << 32 - 1]) + [1, 2], to: dir + "/huge")
        expectError("huge: truncated", "4294967295x4294967295x4294967295 images") {
            _ = try IDX.readImages(dir + "/huge")
        }
        try writeBytes([0, 0, 8, 3, 0, 0], to: dir + "/header")
        expectError("header: truncated header") { _ = try IDX.readImages(dir + "/header") }
    }

    @Test func labelsOutOfRange() throws {
        let dir = temporaryDirectory()
        try writeBytes(idxHeader(dimensions: [4]) + [0, 9, 10, 3], to: dir + "/labels")
        expectError("labels: label 10 at index 2 is out of range", "0..<10") {
            _ = try IDX.readLabels(dir + "/labels", classes: 10)
        }
    }

    @Test func imageLabelCountMismatch() throws {
        let dir = temporaryDirectory()
        try writeIDXDirectory(dir, trainLabels: [0, 1, 2], testLabels: [1])
        try writeBytes(idxHeader(dimensions: [2]) + [0, 1], to: dir + "/train-labels-idx1-ubyte")
        expectError("train-labels-idx1-ubyte: has 2 labels", "train-images-idx3-ubyte.gz has 3 images") {
            _ = try MNIST.load(directory: dir)
        }
    }
}
