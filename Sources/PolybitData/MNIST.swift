import Foundation
import PolybitTensor

/// Fashion-MNIST (Zalando): 60,000 training and 10,000 test images of clothing, 28×28 grey,
/// 10 classes. Debian ships it as `dataset-fashion-mnist` in `/usr/share/datasets/fashion-mnist`.
public enum FashionMNIST {
    /// Where the Debian package installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    /// One name per class, indexed by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Both splits from the four IDX files in `directory`.
    public static func load(directory: String = defaultDirectory) throws -> DatasetSplits {
        try MNISTLayout.load(name: "fashion-mnist", directory: directory, classNames: classNames)
    }
}

/// MNIST handwritten digits (10 classes), in the same IDX layout and file names as Fashion-MNIST.
public enum MNIST {
    /// One name per class, indexed by label.
    public static let classNames = (0..<10).map(String.init)

    /// Both splits from the four IDX files in `directory`.
    public static func load(directory: String) throws -> DatasetSplits {
        try MNISTLayout.load(name: "mnist", directory: directory, classNames: classNames)
    }
}

/// The directory layout shared by MNIST and Fashion-MNIST:
/// `{train,t10k}-{images-idx3,labels-idx1}-ubyte`, each gzip-compressed (`.gz`) or plain.
enum MNISTLayout {
    static func load(name: String, directory: String, classNames: [String]) throws -> DatasetSplits {
        try DataDirectory.require(directory, holding: "the \(name) IDX files (train-images-idx3-ubyte.gz, ...)")
        let prefixes = ["train", "t10k"], splitNames = ["train", "test"]
        // The splits are independent: read them on both cores.
        var results = [Result<Dataset, Error>?](repeating: nil, count: 2)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                out.value[i] = Result {
                    try IDX.readDataset(
                        name: "\(name)/\(splitNames[i])",
                        images: try find(directory, "\(prefixes[i])-images-idx3-ubyte", name),
                        labels: try find(directory, "\(prefixes[i])-labels-idx1-ubyte", name),
                        classes: classNames.count)
                }
            }
        }
        return DatasetSplits(
            train: try results[0]!.get(), test: try results[1]!.get(),
            classNames: classNames)
    }

    private static func find(_ dir: String, _ base: String, _ name: String) throws -> String {
        let gz = dir + "/" + base + ".gz", plain = dir + "/" + base
        if FileManager.default.fileExists(atPath: gz) { return gz }
        if FileManager.default.fileExists(atPath: plain) { return plain }
        throw DataError(file: gz, "no such file (nor \(base)); expected the \(name) IDX files here")
    }
}
