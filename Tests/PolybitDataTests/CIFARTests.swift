import Foundation
import PolybitData
import PolybitTestSupport
import Testing

/// Writes CIFAR records: per record the label bytes then 3072 pixels `(r + p) % 256`.
func cifarRecords(_ labels: [[UInt8]]) -> [UInt8] {
    labels.enumerated().flatMap { r, l in l + (0..<3072).map { UInt8((r + $0) % 256) } }
}

@Suite struct CIFARTests {
    @Test func cifar10ReadsAllBatchesInOrder() throws {
        let dir = temporaryDirectory()
        for b in 1...5 { try writeBytes(cifarRecords([[UInt8(b)], [UInt8(b + 4)]]), to: "\(dir)/data_batch_\(b).bin") }
        try writeBytes(cifarRecords([[0], [9], [5]]), to: "\(dir)/test_batch.bin")
        let splits = try CIFAR10.load(directory: dir)
        #expect(splits.train.labels == [1, 5, 2, 6, 3, 7, 4, 8, 5, 9])
        #expect(splits.test.labels == [0, 9, 5])
        #expect(splits.train.channels == 3 && splits.train.height == 32 && splits.train.width == 32)
        // Record 1 of a batch: pixel p is (1 + p) % 256; channel 1 starts at p = 1024.
        let image1 = Array(splits.test.images[3072..<6144])
        #expect(image1[0] == Float(1) / 255 && image1[1024] == Float((1 + 1024) % 256) / 255)
        #expect(splits.classNames[0] == "airplane")
    }

    @Test func cifar10FindsTheArchiveSubdirectory() throws {
        let dir = temporaryDirectory(), sub = dir + "/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        for b in 1...5 { try writeBytes(cifarRecords([[3]]), to: "\(sub)/data_batch_\(b).bin") }
        try writeBytes(cifarRecords([[4]]), to: "\(sub)/test_batch.bin")
        #expect(try CIFAR10.load(directory: dir).train.count == 5)
    }

    @Test func cifar100UsesFineLabels() throws {
        let dir = temporaryDirectory()
        try writeBytes(cifarRecords([[19, 99], [0, 42]]), to: "\(dir)/train.bin")
        try writeBytes(cifarRecords([[5, 7]]), to: "\(dir)/test.bin")
        let splits = try CIFAR100.load(directory: dir)
        #expect(splits.train.labels == [99, 42] && splits.test.labels == [7])
        #expect(splits.train.classes == 100 && splits.classNames.count == 100)
        #expect(splits.train.images[3072] == Float(1) / 255)
    }

    @Test func partialRecordIsNamed() throws {
        let dir = temporaryDirectory()
        try writeBytes(cifarRecords([[1, 2]]) + [0, 1, 2], to: "\(dir)/train.bin")
        try writeBytes(cifarRecords([[5, 7]]), to: "\(dir)/test.bin")
        expectError(
            "train.bin: size 3077 bytes is not a whole number of 3074-byte records",
            "1 full records and 3 bytes left over"
        ) { _ = try CIFAR100.load(directory: dir) }
    }

    @Test func labelOutOfRangeIsNamed() throws {
        let dir = temporaryDirectory()
        for b in 1...5 { try writeBytes(cifarRecords([[1], [b == 3 ? 10 : 2]]), to: "\(dir)/data_batch_\(b).bin") }
        try writeBytes(cifarRecords([[0]]), to: "\(dir)/test_batch.bin")
        expectError("data_batch_3.bin: record 1 has label 10", "0..<10") { _ = try CIFAR10.load(directory: dir) }
    }

    @Test func missingFileIsNamed() throws {
        let dir = temporaryDirectory()
        for b in [1, 2, 3, 5] { try writeBytes(cifarRecords([[1]]), to: "\(dir)/data_batch_\(b).bin") }
        try writeBytes(cifarRecords([[0]]), to: "\(dir)/test_batch.bin")
        expectError("data_batch_4.bin: no such file") { _ = try CIFAR10.load(directory: dir) }
        expectError("no such data directory", "train.bin") { _ = try CIFAR100.load(directory: dir + "/nope") }
    }
}
