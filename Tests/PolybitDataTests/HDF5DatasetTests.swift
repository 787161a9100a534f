import Foundation
import PolybitData
import PolybitHDF5
import PolybitTestSupport
import Testing

@Suite struct HDF5DatasetTests {
    @Test func readsAFileWrittenByH5py() throws {
        let path = temporaryDirectory() + "/h5py.h5"
        try runProgram(
            "python3",
            [
                "-c",
                """
                import sys, h5py, numpy as np
                with h5py.File(sys.argv[1], "w") as f:
                    f.attrs["classes"] = 3
                    f.attrs["class_names"] = ["cat", "dog", "emu"]
                    f["train/images"] = (np.arange(4 * 2 * 3 * 5) % 256).astype(np.uint8).reshape(4, 2, 3, 5)
                    f["train/labels"] = np.array([0, 1, 2, 1], dtype=np.int64)
                    f["test/images"] = np.full((2, 2, 3, 5), 0.25, dtype=np.float32)
                    f["test/labels"] = np.array([2, 0], dtype=np.uint8)
                """, path,
            ])
        let splits = try HDF5ImageDataset.load(path: path)
        #expect(
            splits.train.count == 4 && splits.train.channels == 2 && splits.train.height == 3 && splits.train.width == 5
        )
        #expect(splits.train.labels == [0, 1, 2, 1] && splits.test.labels == [2, 0])
        #expect(splits.train.images[7] == Float(7) / 255)
        #expect(splits.test.images.allSatisfy { $0 == 0.25 })
        #expect(splits.classNames == ["cat", "dog", "emu"] && splits.train.classes == 3)
    }

    @Test func roundTripsThroughPolybitHDF5() throws {
        let path = temporaryDirectory() + "/syn.h5"
        let original = SyntheticDataset.splits(
            train: 20, test: 6, channels: 3, height: 5, width: 4, classes: 4, seed: 9)
        try HDF5ImageDataset.write(original, to: path)
        let back = try HDF5ImageDataset.load(path: path)
        #expect(back.train.images == original.train.images && back.test.labels == original.test.labels)
        #expect(back.classNames == original.classNames)
        // Raw pixels (k/255) are stored as uint8, read back exactly; h5py sees the same schema.
        let raw = SyntheticDataset.splits(train: 3, test: 2, channels: 1, height: 2, width: 2, classes: 2, seed: 1)
        let pixels = DatasetSplits(
            train: Dataset(
                name: "p", images: (0..<12).map { Float($0 * 20) / 255 }, labels: raw.train.labels,
                channels: 1, height: 2, width: 2, classes: 2),
            test: raw.test)
        try HDF5ImageDataset.write(pixels, to: path)
        #expect(try HDF5ImageDataset.load(path: path).train.images == pixels.train.images)
        let out = try runProgram(
            "python3",
            [
                "-c",
                """
                import sys, h5py
                f = h5py.File(sys.argv[1], "r")
                print(f["train/images"].dtype, f["train/images"].shape, f["test/images"].dtype, int(f.attrs["classes"]))
                """, path,
            ])
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "uint8 (3, 1, 2, 2) float32 2")
    }

    /// Writes a file with PolybitHDF5; `edit` changes the valid schema first.
    func write(_ path: String, _ edit: (HDF5Group) throws -> Void = { _ in }) throws {
        let file = try HDF5File(path: path, mode: .truncate)
        try file.root.setAttribute("classes", .int(2))
        try file.root.write("train/images", [UInt8](repeating: 1, count: 4 * 9), shape: [4, 1, 3, 3])
        try file.root.write("train/labels", [Int32](arrayLiteral: 0, 1, 1, 0), shape: [4])
        try file.root.write("test/images", [Float](repeating: 0.5, count: 9), shape: [1, 1, 3, 3])
        try edit(file.root)
        file.close()
    }

    @Test func validatesTheSchema() throws {
        let dir = temporaryDirectory()
        try write(dir + "/ok.h5") { try $0.write("test/labels", [Int16(1)], shape: [1]) }
        #expect(try HDF5ImageDataset.load(path: dir + "/ok.h5").test.labels == [1])

        try write(dir + "/nolabels.h5")
        expectError("nolabels.h5: /test/labels: no such dataset") {
            _ = try HDF5ImageDataset.load(path: dir + "/nolabels.h5")
        }

        try write(dir + "/range.h5") { try $0.write("test/labels", [Int32(2)], shape: [1]) }
        expectError("range.h5: /test/labels: label 2 at index 0 is out of range; expected 0..<2") {
            _ = try HDF5ImageDataset.load(path: dir + "/range.h5")
        }
        try write(dir + "/negative.h5") { try $0.write("test/labels", [Int32(-1)], shape: [1]) }
        expectError("negative.h5: /test/labels: label -1") { _ = try HDF5ImageDataset.load(path: dir + "/negative.h5") }

        try write(dir + "/count.h5") { try $0.write("test/labels", [Int32](arrayLiteral: 0, 1), shape: [2]) }
        expectError("count.h5: /test/labels: shape [2]; expected [1]") {
            _ = try HDF5ImageDataset.load(path: dir + "/count.h5")
        }

        try write(dir + "/floatlabels.h5") { try $0.write("test/labels", [Float(1)], shape: [1]) }
        expectError("/test/labels: element type float32; expected an integer type") {
            _ = try HDF5ImageDataset.load(path: dir + "/floatlabels.h5")
        }

        try write(dir + "/dtype.h5") {
            try $0.write("test/labels", [Int32(1)], shape: [1])
            try $0.setAttribute("classes", .string("two"))
        }
        expectError("dtype.h5", "attribute 'classes' must be a positive integer") {
            _ = try HDF5ImageDataset.load(path: dir + "/dtype.h5")
        }
        // Found by tools/fuzz.sh dataset: 2^36 classes and no class_names built 2^36 default names.
        try write(dir + "/classes.h5") {
            try $0.write("test/labels", [Int32(1)], shape: [1])
            try $0.setAttribute("classes", .int(1 << 36))
        }
        expectError("classes.h5", "attribute 'classes' must be a positive integer, at most 65536") {
            _ = try HDF5ImageDataset.load(path: dir + "/classes.h5")
        }
    }

    @Test func validatesImageShapeAndType() throws {
        let dir = temporaryDirectory()
        let f1 = try HDF5File(path: dir + "/rank.h5", mode: .truncate)
        try f1.root.setAttribute("classes", .int(2))
        for split in ["train", "test"] {
            try f1.root.write("\(split)/images", [UInt8](repeating: 0, count: 9), shape: [1, 3, 3])
            try f1.root.write("\(split)/labels", [Int32(0)], shape: [1])
        }
        f1.close()
        expectError("rank.h5: /train/images: shape [1, 3, 3] has rank 3; expected 4") {
            _ = try HDF5ImageDataset.load(path: dir + "/rank.h5")
        }
        let f2 = try HDF5File(path: dir + "/double.h5", mode: .truncate)
        try f2.root.setAttribute("classes", .int(2))
        for split in ["train", "test"] {
            try f2.root.write("\(split)/images", [Double](repeating: 0, count: 9), shape: [1, 1, 3, 3])
            try f2.root.write("\(split)/labels", [Int32(0)], shape: [1])
        }
        f2.close()
        expectError("double.h5: /train/images: element type float64; expected uint8 or float32") {
            _ = try HDF5ImageDataset.load(path: dir + "/double.h5")
        }
    }

    @Test func nonHDF5FileIsNamed() throws {
        let path = temporaryDirectory() + "/fake.h5"
        try writeBytes(idxHeader(dimensions: [2]) + [0, 1], to: path)
        expectError("fake.h5: not an HDF5 file") { _ = try HDF5ImageDataset.load(path: path) }
        expectError("missing.h5: no such file") { _ = try HDF5ImageDataset.load(path: "/tmp/missing.h5") }
    }
}
