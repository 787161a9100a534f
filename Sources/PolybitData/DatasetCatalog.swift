import PolybitTensor

/// The datasets the command line knows by name.
public enum DatasetCatalog {
    /// Valid names for `load`.
    public static let names = ["fashion-mnist", "mnist", "cifar10", "cifar100", "synthetic", "hdf5"]

    /// Size of the `synthetic` dataset: 1×28×28 images, 10 classes, fixed seed.
    public static let syntheticShape = (channels: 1, height: 28, width: 28, classes: 10)
    /// Training and test images of the `synthetic` dataset before any limit.
    public static let syntheticCounts = (train: 6000, test: 1000)

    /// Loads dataset `name` with pixels in `[0, 1]` (normalize with `DatasetSplits.normalized()`).
    ///
    /// - `fashion-mnist`: IDX files in `dataDir` (default `/usr/share/datasets/fashion-mnist`)
    /// - `mnist`: IDX files in `dataDir` (required)
    /// - `cifar10`, `cifar100`: official binary files in `dataDir` (required)
    /// - `synthetic`: generated (`syntheticShape`, `syntheticCounts`, seed 0); `dataDir` unused
    /// - `hdf5`: `dataDir` is the path of an HDF5 file in the schema of `HDF5ImageDataset`
    ///
    /// `limit` keeps the first `limit` images of each split (the training split and the test
    /// split each capped at `limit`), for quick runs. Throws a `BadInput` error for an unknown name,
    /// a missing directory or file, malformed data, or a limit below 1.
    public static func load(name: String, dataDir: String? = nil, limit: Int? = nil) throws -> DatasetSplits {
        if let limit, limit < 1 {
            throw InputError("--limit \(limit): expected a positive number of images")
        }
        func required(_ what: String) throws -> String {
            guard let dataDir else {
                throw InputError("dataset '\(name)' needs --data-dir: \(what)")
            }
            return dataDir
        }
        let splits: DatasetSplits
        switch name {
        case "fashion-mnist":
            splits = try FashionMNIST.load(directory: dataDir ?? FashionMNIST.defaultDirectory)
        case "mnist":
            splits = try MNIST.load(directory: required("a directory with the MNIST IDX files"))
        case "cifar10":
            splits = try CIFAR10.load(directory: required("a directory with data_batch_1.bin ... test_batch.bin"))
        case "cifar100":
            splits = try CIFAR100.load(directory: required("a directory with train.bin and test.bin"))
        case "synthetic":
            let s = syntheticShape, n = syntheticCounts
            return SyntheticDataset.splits(train: min(n.train, limit ?? .max), test: min(n.test, limit ?? .max),
                                           channels: s.channels, height: s.height, width: s.width,
                                           classes: s.classes, seed: 0)
        case "hdf5":
            splits = try HDF5ImageDataset.load(path: required("the path of an HDF5 dataset file"))
        default:
            throw InputError("unknown dataset '\(name)'; expected one of: \(names.joined(separator: ", "))")
        }
        return limit.map { splits.prefix($0) } ?? splits
    }
}
