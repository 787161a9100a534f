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

    public init(name: String, images: [Float], labels: [Int32], channels: Int, height: Int,
                width: Int, classes: Int) {
        precondition(images.count == labels.count * channels * height * width,
                     "\(name): \(images.count) pixel values for \(labels.count) images of \(channels)x\(height)x\(width)")
        self.name = name; self.images = images; self.labels = labels
        self.channels = channels; self.height = height; self.width = width; self.classes = classes
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Values per image: `channels · height · width`.
    public var imageSize: Int { channels * height * width }

    /// The first `n` images (all of them when `n >= count`).
    public func prefix(_ n: Int) -> Dataset {
        let kept = max(0, min(n, count))
        return Dataset(name: name, images: Array(images[0..<(kept * imageSize)]),
                       labels: Array(labels[0..<kept]), channels: channels, height: height,
                       width: width, classes: classes)
    }

    /// Number of images of each class, indexed by label.
    public var classHistogram: [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }
}

/// A pair of training and test splits with the names of their classes.
public struct DatasetSplits: Sendable {
    public var train: Dataset
    public var test: Dataset
    /// One name per class, indexed by label (`"0"`, `"1"`, ... when the source names none).
    public var classNames: [String]

    public init(train: Dataset, test: Dataset, classNames: [String]? = nil) {
        precondition(train.classes == test.classes && train.channels == test.channels
                     && train.height == test.height && train.width == test.width,
                     "train and test splits differ in classes or image shape")
        self.train = train; self.test = test
        self.classNames = classNames ?? (0..<train.classes).map(String.init)
        precondition(self.classNames.count == train.classes,
                     "\(self.classNames.count) class names for \(train.classes) classes")
    }

    /// The first `n` images of each split (for quick runs).
    public func prefix(_ n: Int) -> DatasetSplits {
        DatasetSplits(train: train.prefix(n), test: test.prefix(n), classNames: classNames)
    }
}
