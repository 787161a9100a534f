import Foundation
import PolybitHDF5

/// Image datasets in one HDF5 file (schema in `datasets/README.md`):
///
/// - root attribute `classes` (integer): number of classes; optional `class_names` (strings, one per class)
/// - groups `train` and `test`, each with
///   - `images`: `uint8` (pixels 0–255, scaled by 1/255) or `float32` (used as stored, expected in
///     `[0, 1]`), shape N×C×H×W; both splits share C, H, W
///   - `labels`: any integer type, shape N, each in `0..<classes`
public enum HDF5ImageDataset {
    /// The most classes a file may declare (ImageNet-21k has 21,841): a class count is read before
    /// any label and sizes the class names and the classifier, so a corrupt one must not be huge.
    public static let maximumClasses = 1 << 16

    /// Both splits from the file at `path`.
    public static func load(path: String) throws -> DatasetSplits {
        let file = try HDF5File(path: path, mode: .readOnly)
        let root = file.root
        guard let classes = try root.attribute("classes").intValue, (1...maximumClasses).contains(classes) else {
            throw HDF5Error(
                file: path, object: "/",
                message: "attribute 'classes' must be a positive integer, at most \(maximumClasses)")
        }
        var names: [String]? = nil
        if root.hasAttribute("class_names") {
            guard let list = try root.attribute("class_names").stringsValue, list.count == classes else {
                throw HDF5Error(
                    file: path, object: "/",
                    message: "attribute 'class_names' must hold \(classes) strings (one per class)")
            }
            names = list
        }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let train = try split(root, "train", stem: stem, classes: classes)
        let test = try split(root, "test", stem: stem, classes: classes)
        guard [train.channels, train.height, train.width] == [test.channels, test.height, test.width] else {
            throw HDF5Error(
                file: path, object: "/test/images",
                message:
                    "images are \(test.channels)x\(test.height)x\(test.width) but /train/images are \(train.channels)x\(train.height)x\(train.width); expected the same C×H×W"
            )
        }
        return DatasetSplits(train: train, test: test, classNames: names)
    }

    /// Writes `splits` to `path` in this schema (atomically: a failure leaves `path` untouched).
    /// Images are stored as `uint8` when every value is a whole number of 1/255 steps in `[0, 1]`
    /// (raw pixels, lossless), as `float32` otherwise.
    public static func write(_ splits: DatasetSplits, to path: String) throws {
        try HDF5File.writeAtomically(to: path) { file in
            let root = file.root
            try root.setAttribute("classes", .int(splits.train.classes))
            try root.setAttribute("class_names", .strings(splits.classNames))
            for (name, data) in [("train", splits.train), ("test", splits.test)] {
                let shape = [data.count, data.channels, data.height, data.width]
                if let bytes = rawPixels(data.images) {
                    try root.write("\(name)/images", bytes, shape: shape)
                } else {
                    try root.write("\(name)/images", data.images, shape: shape)
                }
                try root.write("\(name)/labels", data.labels, shape: [data.count])
            }
        }
    }

    private static func split(_ root: HDF5Group, _ name: String, stem: String, classes: Int) throws -> Dataset {
        let path = root.file.path
        guard root.isGroup(name) else {
            throw HDF5Error(file: path, object: "/\(name)", message: "no such group; expected groups /train and /test")
        }
        let imagesInfo = try root.datasetInfo("\(name)/images")
        let labelsInfo = try root.datasetInfo("\(name)/labels")
        let shape = imagesInfo.shape
        guard shape.count == 4 else {
            throw HDF5Error(
                file: path, object: "/\(name)/images",
                message: "shape \(shape) has rank \(shape.count); expected 4 (N×C×H×W)")
        }
        guard labelsInfo.shape == [shape[0]] else {
            throw HDF5Error(
                file: path, object: "/\(name)/labels",
                message: "shape \(labelsInfo.shape); expected [\(shape[0])] (one label per image)")
        }
        guard let labelType = labelsInfo.elementType, labelType.isInteger else {
            throw HDF5Error(
                file: path, object: "/\(name)/labels",
                message: "element type \(labelsInfo.elementType?.rawValue ?? "non-numeric"); expected an integer type")
        }
        let images: [Float]
        switch imagesInfo.elementType {
        case .uint8?: images = Pixels.scaled(try root.read("\(name)/images", as: UInt8.self).values)
        case .float32?: images = try root.read("\(name)/images", as: Float.self).values
        default:
            throw HDF5Error(
                file: path, object: "/\(name)/images",
                message: "element type \(imagesInfo.elementType?.rawValue ?? "non-numeric"); expected uint8 or float32")
        }
        if let bad = images.firstIndex(where: { !$0.isFinite }) {
            throw HDF5Error(
                file: path, object: "/\(name)/images",
                message: "value \(images[bad]) at flat index \(bad) is not finite")
        }
        let raw = try root.read("\(name)/labels", as: Int64.self).values
        if let at = raw.firstIndex(where: { $0 < 0 || $0 >= Int64(classes) }) {
            throw HDF5Error(
                file: path, object: "/\(name)/labels",
                message: "label \(raw[at]) at index \(at) is out of range; expected 0..<\(classes)")
        }
        return Dataset(
            name: "\(stem)/\(name)", images: images, labels: raw.map { Int32($0) },
            channels: shape[1], height: shape[2], width: shape[3], classes: classes)
    }

    /// The raw 0–255 pixels behind `values` when each is exactly `k / 255`, else nil.
    private static func rawPixels(_ values: [Float]) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() {
            guard v >= 0, v <= 1 else { return nil }
            let k = (v * 255).rounded()
            guard Float(k) / 255 == v else { return nil }
            bytes[i] = UInt8(k)
        }
        return bytes
    }
}
