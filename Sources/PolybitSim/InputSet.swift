import PolybitData
import PolybitHDF5
import PolybitTensor

/// Integer input images for a model, with optional labels.
///
/// File schema (`--inputs IN.h5`): dataset `/images`, shape `[N, C, H, W]` (or `[N, H, W]` when
/// C = 1), either integers already in the model's input quantization (any integer dtype) or
/// real values (float32/float64) that are quantized with the model's input quantization
/// (`QuantizeLinear`: round half to even, saturate). Optional dataset `/labels`, integer `[N]`.
public struct InputSet: Sendable {
    /// `count × C·H·W` integers in the input quantization's range.
    public var images: [Int32]
    /// One class index per image, when the file has labels.
    public var labels: [Int32]?
    /// Number of images.
    public var count: Int

    public init(images: [Int32], labels: [Int32]?, count: Int) {
        self.images = images; self.labels = labels; self.count = count
    }

    /// Reads the first `limit` images (all when nil) of `path` for `model`.
    public static func read(path: String, model: IntegerModel, limit: Int? = nil) throws -> InputSet {
        let file = try HDF5File(path: path, mode: .readOnly)
        let root = file.root
        func fail(_ field: String, _ m: String) -> InputError { InputError("\(path): \(field): \(m)") }
        guard root.contains("images"), !root.isGroup("images") else {
            throw fail("images", "missing dataset (expected [N, C, H, W] images)")
        }
        let info = try root.datasetInfo("images")
        let s = model.inputShape
        let n = info.shape.first ?? 0
        let perImage = Array(info.shape.dropFirst())
        guard perImage == s || (s[0] == 1 && perImage == [s[1], s[2]]) else {
            throw fail(
                "images", "has shape \(info.shape); the model needs [N, \(s.map(String.init).joined(separator: ", "))]")
        }
        guard let et = info.elementType else { throw fail("images", "holds non-numeric data") }
        let count = min(n, limit ?? n)
        let q = model.input
        let images: [Int32]
        if et.isInteger {
            images = try root.readRows("images", 0..<count, as: Int32.self).values
            if let bad = images.first(where: { Int($0) < q.qmin || Int($0) > q.qmax }) {
                throw fail("images", "integer \(bad) is outside the model input range [\(q.qmin), \(q.qmax)]")
            }
        } else {
            images = try root.readRows("images", 0..<count, as: Double.self).values.map(q.quantize)
        }
        var labels: [Int32]? = nil
        if root.contains("labels") {
            let li = try root.datasetInfo("labels")
            guard li.elementType?.isInteger == true, li.shape == [n] else {
                throw fail(
                    "labels",
                    "expected integer labels of shape [\(n)], got \(li.elementType?.rawValue ?? "non-numeric") \(li.shape)"
                )
            }
            labels = try root.readRows("labels", 0..<count, as: Int32.self).values
        }
        return InputSet(images: images, labels: labels, count: count)
    }

    /// Images of `dataset` (pixels in [0, 1]) normalized as the model's `inputNormalization` says
    /// (unchanged when it has none), then quantized to the model's input.
    public init(dataset: Dataset, model: IntegerModel, limit: Int? = nil) throws {
        guard [dataset.channels, dataset.height, dataset.width] == model.inputShape else {
            throw InputError(
                "dataset \(dataset.name) has images \(dataset.channels)x\(dataset.height)x\(dataset.width); the model needs \(model.inputShape)"
            )
        }
        let n = min(dataset.count, limit ?? dataset.count)
        let real = model.inputNormalization.map { $0.apply(to: dataset) } ?? dataset
        self.init(
            images: real.images[0..<(n * dataset.imageSize)].map { model.input.quantize(Double($0)) },
            labels: Array(dataset.labels[0..<n]), count: n)
    }
}
