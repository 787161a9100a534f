import PolybitTensor

/// An image-classification dataset held in memory.
///
/// Images are NCHW Float in `[0, 1]` (raw pixels / 255) until `normalize` is applied; labels are
/// class indices in `0..<classes`.
public struct Dataset: Sendable {
    /// Short name, e.g. "fashion-mnist/train".
    public var name: String
    /// `count × channels × height × width` values, row-major.
    public var images: [Float]
    /// One class index per image.
    public var labels: [Int32]
    public var channels: Int, height: Int, width: Int
    /// Number of classes; every label is below it.
    public var classes: Int

    public init(
        name: String, images: [Float], labels: [Int32], channels: Int, height: Int,
        width: Int, classes: Int
    ) {
        precondition(
            images.count == labels.count * channels * height * width,
            "\(name): \(images.count) pixel values for \(labels.count) images of \(channels)x\(height)x\(width)")
        self.name = name; self.images = images; self.labels = labels
        self.channels = channels; self.height = height; self.width = width; self.classes = classes
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Values per image: `channels · height · width`.
    public var imageSize: Int { channels * height * width }

    /// The first `n` images (all of them when `n >= count`).
    public func prefix(_ n: Int) -> Dataset { slice(0..<max(0, min(n, count))) }

    /// The images at `range`, which must lie in `0..<count`.
    public func slice(_ range: Range<Int>) -> Dataset {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "\(range) outside 0..<\(count)")
        return Dataset(
            name: name, images: Array(images[(range.lowerBound * imageSize)..<(range.upperBound * imageSize)]),
            labels: Array(labels[range]), channels: channels, height: height,
            width: width, classes: classes)
    }

    /// Number of images of each class, indexed by label.
    public var classHistogram: [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }
}

/// A dataset's training and test splits with the names of their classes, and the validation
/// split held out of the official training split (`DatasetCatalog.load`), if any.
public struct DatasetSplits: Sendable {
    /// The images to train on: the official training split without the held-out images.
    public var train: Dataset
    public var test: Dataset
    /// The held-out validation images: the last ones of the official training split, never in
    /// `train` (nil: none held out).
    public var validation: Dataset?
    /// One name per class, indexed by label (`"0"`, `"1"`, ... when the source names none).
    public var classNames: [String]

    public init(train: Dataset, test: Dataset, validation: Dataset? = nil, classNames: [String]? = nil) {
        precondition(
            [test, validation ?? test].allSatisfy {
                $0.classes == train.classes && $0.channels == train.channels
                    && $0.height == train.height && $0.width == train.width
            }, "train, test and validation splits differ in classes or image shape")
        self.train = train; self.test = test; self.validation = validation
        self.classNames = classNames ?? (0..<train.classes).map(String.init)
        precondition(
            self.classNames.count == train.classes,
            "\(self.classNames.count) class names for \(train.classes) classes")
    }

    /// The first `n` images of the training and test splits (for quick runs); the validation
    /// split is kept whole.
    public func prefix(_ n: Int) -> DatasetSplits {
        DatasetSplits(train: train.prefix(n), test: test.prefix(n), validation: validation, classNames: classNames)
    }

    /// The splits with the last `n` training images moved to the validation split (0: unchanged).
    /// - Precondition: `validation` is nil and `0 <= n < train.count`.
    public func holdingOut(_ n: Int) -> DatasetSplits {
        precondition(
            validation == nil && (n == 0 || (0..<train.count).contains(n)),
            "cannot hold out \(n) of \(train.count) training images")
        guard n > 0 else { return self }
        let first = train.count - n, size = train.imageSize
        func part(_ range: Range<Int>, _ name: String) -> Dataset {
            Dataset(
                name: name, images: Array(train.images[(range.lowerBound * size)..<(range.upperBound * size)]),
                labels: Array(train.labels[range]), channels: train.channels, height: train.height,
                width: train.width, classes: train.classes)
        }
        let base = train.name.hasSuffix("/train") ? String(train.name.dropLast("/train".count)) : train.name
        return DatasetSplits(
            train: part(0..<first, train.name), test: test,
            validation: part(first..<train.count, base + "/validation"), classNames: classNames)
    }
}
