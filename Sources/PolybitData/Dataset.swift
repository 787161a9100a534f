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
}

/// A pair of training and test splits with the names of their classes.
public struct DatasetSplits: Sendable {
    public var train: Dataset
    public var test: Dataset
    public init(train: Dataset, test: Dataset) { self.train = train; self.test = test }
}
