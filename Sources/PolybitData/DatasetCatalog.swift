import PolybitTensor

/// The datasets the command line knows by name.
public enum DatasetCatalog {
    /// Valid names for `load`.
    public static let names = ["fashion-mnist", "mnist", "cifar10", "cifar100", "synthetic", "hdf5"]

    /// Size of the `synthetic` dataset: 1×28×28 images, 10 classes, fixed seed.
    public static let syntheticShape = (channels: 1, height: 28, width: 28, classes: 10)
    /// Training and test images of the `synthetic` dataset before any limit.
    public static let syntheticCounts = (train: 6000, test: 1000)

    /// The validation images `ValidationSplitSize.auto` holds out of dataset `name`'s official
    /// training split of `trainingImages` images: 5000 for fashion-mnist and mnist (55,000 left
    /// to train on) and for cifar10 and cifar100 (45,000 left), 1000 for synthetic (5000 left), a
    /// tenth (rounded down) of an hdf5 file's training images.
    public static func defaultValidationImages(name: String, trainingImages: Int) -> Int {
        switch name {
        case "synthetic": 1000
        case "hdf5": trainingImages / 10
        default: 5000
        }
    }

    /// Loads dataset `name` with pixels in `[0, 1]` (normalize with `DatasetSplits.normalized()`).
    ///
    /// - `fashion-mnist`: IDX files in `dataDir` (default `/usr/share/datasets/fashion-mnist`)
    /// - `mnist`: IDX files in `dataDir` (required)
    /// - `cifar10`, `cifar100`: official binary files in `dataDir` (required)
    /// - `synthetic`: generated (`syntheticShape`, `syntheticCounts`, seed 0); `dataDir` unused
    /// - `hdf5`: `dataDir` is the path of an HDF5 file in the schema of `HDF5ImageDataset`
    ///
    /// `validation` images are held out first: the last ones of the official training split
    /// become `DatasetSplits.validation` and are not in `train` (none for `.images(0)`, the
    /// default). `limit` then keeps the first `limit` images of the remaining training split and
    /// of the test split, for quick runs; the validation split is not limited. Throws a `BadInput`
    /// error for an unknown name, a missing directory or file, malformed data, a limit below 1, or
    /// a validation split that leaves no training image.
    public static func load(
        name: String, dataDir: String? = nil, validation: ValidationSplitSize = .images(0),
        limit: Int? = nil
    ) throws -> DatasetSplits {
        if let limit, limit < 1 {
            throw InputError("--limit \(limit): expected a positive number of images")
        }
        let splits: DatasetSplits
        if name == "synthetic" && validation == .images(0) {
            // Without a held-out split only the images kept are generated (as before the split existed).
            splits = synthetic(
                train: min(syntheticCounts.train, limit ?? .max), test: min(syntheticCounts.test, limit ?? .max))
        } else {
            splits = try official(name: name, dataDir: dataDir)
        }
        let held = heldOutCount(validation, name: name, trainingImages: splits.train.count)
        guard held == 0 || (1..<splits.train.count).contains(held) else {
            throw InputError(
                "--validation \(held): expected 0...\(max(0, splits.train.count - 1)) (\(name) has \(splits.train.count) training images; 0 holds out none)"
            )
        }
        let split = splits.holdingOut(held)
        return limit.map { split.prefix($0) } ?? split
    }

    /// The number of images `size` holds out of `trainingImages`.
    private static func heldOutCount(_ size: ValidationSplitSize, name: String, trainingImages: Int) -> Int {
        switch size {
        case .auto: defaultValidationImages(name: name, trainingImages: trainingImages)
        case .images(let n): n
        }
    }

    /// The official training and test splits of dataset `name`.
    private static func official(name: String, dataDir: String?) throws -> DatasetSplits {
        func required(_ what: String) throws -> String {
            guard let dataDir else {
                throw InputError("dataset '\(name)' needs --data-dir: \(what)")
            }
            return dataDir
        }
        switch name {
        case "fashion-mnist":
            return try FashionMNIST.load(directory: dataDir ?? FashionMNIST.defaultDirectory)
        case "mnist":
            return try MNIST.load(directory: required("a directory with the MNIST IDX files"))
        case "cifar10":
            return try CIFAR10.load(directory: required("a directory with data_batch_1.bin ... test_batch.bin"))
        case "cifar100":
            return try CIFAR100.load(directory: required("a directory with train.bin and test.bin"))
        case "synthetic":
            return synthetic(train: syntheticCounts.train, test: syntheticCounts.test)
        case "hdf5":
            return try HDF5ImageDataset.load(path: required("the path of an HDF5 dataset file"))
        default:
            throw InputError("unknown dataset '\(name)'; expected one of: \(names.joined(separator: ", "))")
        }
    }

    /// The first images of the `synthetic` dataset's generator (its labels depend on the count).
    private static func synthetic(train: Int, test: Int) -> DatasetSplits {
        let s = syntheticShape
        return SyntheticDataset.splits(
            train: train, test: test, channels: s.channels, height: s.height,
            width: s.width, classes: s.classes, seed: 0)
    }
}
