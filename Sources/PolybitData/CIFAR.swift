import Foundation

/// CIFAR-10 from its official binary files: `data_batch_1.bin` … `data_batch_5.bin` (train) and
/// `test_batch.bin`, each a run of 3073-byte records (1 label byte, then 3072 pixel bytes: the
/// 32×32 red, green and blue planes, row-major). Images are 3×32×32; 10 classes.
public enum CIFAR10 {
    /// One name per class, indexed by label.
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog",
        "frog", "horse", "ship", "truck",
    ]

    /// Both splits from `directory`, or from its `cifar-10-batches-bin` subdirectory (as the
    /// official archive unpacks).
    public static func load(directory: String) throws -> DatasetSplits {
        let dir = CIFARBinary.resolve(
            directory, subdirectory: "cifar-10-batches-bin",
            marker: "test_batch.bin", holding: "CIFAR-10 binary files")
        try DataDirectory.require(
            dir, holding: "the CIFAR-10 binary files (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)")
        let train = try CIFARBinary.read(
            name: "cifar10/train", paths: (1...5).map { "\(dir)/data_batch_\($0).bin" },
            labelBytes: 1, classes: 10)
        let test = try CIFARBinary.read(
            name: "cifar10/test", paths: ["\(dir)/test_batch.bin"],
            labelBytes: 1, classes: 10)
        return DatasetSplits(train: train, test: test, classNames: classNames)
    }
}

/// CIFAR-100 from its official binary files `train.bin` and `test.bin`: 3074-byte records
/// (coarse label byte, fine label byte, 3072 pixel bytes as in CIFAR-10). Uses the 100 fine labels.
public enum CIFAR100 {
    /// The 100 fine class names, indexed by fine label.
    public static let classNames = [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger",
        "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ]

    /// Both splits from `directory`, or from its `cifar-100-binary` subdirectory.
    public static func load(directory: String) throws -> DatasetSplits {
        let dir = CIFARBinary.resolve(
            directory, subdirectory: "cifar-100-binary",
            marker: "test.bin", holding: "CIFAR-100 binary files")
        try DataDirectory.require(dir, holding: "the CIFAR-100 binary files (train.bin, test.bin)")
        let train = try CIFARBinary.read(
            name: "cifar100/train", paths: ["\(dir)/train.bin"],
            labelBytes: 2, classes: 100)
        let test = try CIFARBinary.read(
            name: "cifar100/test", paths: ["\(dir)/test.bin"],
            labelBytes: 2, classes: 100)
        return DatasetSplits(train: train, test: test, classNames: classNames)
    }
}

/// The record format shared by CIFAR-10 and CIFAR-100.
public enum CIFARBinary {
    static let pixelBytes = 3 * 32 * 32

    /// `directory/subdirectory` when it exists and `directory` itself lacks `marker`.
    static func resolve(_ directory: String, subdirectory: String, marker: String, holding: String) -> String {
        let nested = directory + "/" + subdirectory
        let fm = FileManager.default
        return !fm.fileExists(atPath: directory + "/" + marker) && fm.fileExists(atPath: nested)
            ? nested : directory
    }

    /// The records of `paths` in order, as one dataset; the label is the last label byte
    /// (`labelBytes` 1 for CIFAR-10, 2 for CIFAR-100), labels checked against `classes`.
    public static func read(name: String, paths: [String], labelBytes: Int, classes: Int) throws -> Dataset {
        let recordBytes = labelBytes + pixelBytes
        var pixels: [UInt8] = [], labels: [Int32] = []
        for path in paths {
            let bytes = try FileBytes.readRaw(path)
            guard !bytes.isEmpty else { throw DataError(file: path, "is empty; expected \(recordBytes)-byte records") }
            guard bytes.count % recordBytes == 0 else {
                throw DataError(
                    file: path,
                    "size \(bytes.count) bytes is not a whole number of \(recordBytes)-byte records (\(bytes.count / recordBytes) full records and \(bytes.count % recordBytes) bytes left over)"
                )
            }
            let records = bytes.count / recordBytes
            pixels.reserveCapacity(pixels.count + records * pixelBytes)
            for r in 0..<records {
                let start = r * recordBytes
                let label = bytes[start + labelBytes - 1]
                guard Int(label) < classes else {
                    throw DataError(file: path, "record \(r) has label \(label); expected 0..<\(classes)")
                }
                labels.append(Int32(label))
                pixels.append(contentsOf: bytes[(start + labelBytes)..<(start + recordBytes)])
            }
        }
        return Dataset(
            name: name, images: Pixels.scaled(pixels), labels: labels, channels: 3,
            height: 32, width: 32, classes: classes)
    }
}
