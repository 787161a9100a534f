import PolybitTensor

/// Training-time augmentation: a random H×W crop of the image zero-padded by `padding` pixels on
/// every side, then a horizontal flip with probability 1/2. Evaluation uses `.none`.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Zero pixels added on each side before cropping (0: no crop).
    public var padding: Int
    /// Mirror left–right with probability 1/2.
    public var flip: Bool

    public init(padding: Int = 0, flip: Bool = false) {
        precondition(padding >= 0, "negative padding \(padding)")
        self.padding = padding; self.flip = flip
    }

    /// No augmentation (evaluation).
    public static let none = Augmentation()

    /// The transform of one image, drawn from `rng`: crop offsets uniform in `0...2·padding`,
    /// flip with probability 1/2 when enabled.
    public func draw(using rng: inout SeededRNG) -> ImageTransform {
        ImageTransform(
            padding: padding,
            offsetY: padding > 0 ? rng.nextInt(below: 2 * padding + 1) : 0,
            offsetX: padding > 0 ? rng.nextInt(below: 2 * padding + 1) : 0,
            flip: flip && rng.next() >> 63 == 1)
    }
}

/// The crop and flip applied to one C×H×W image. Output pixel `(c, y, x)` is pixel
/// `(c, y + offsetY − padding, x' + offsetX − padding)` of the input, with `x' = W−1−x` when
/// `flip` is set and `x' = x` otherwise, and 0 where that falls outside the input.
public struct ImageTransform: Sendable, Equatable {
    /// Zero border of the padded image the crop is taken from.
    public var padding: Int
    /// Top-left corner of the crop in the padded image, each in `0...2·padding` (`padding`: no shift).
    public var offsetY: Int, offsetX: Int
    /// Mirror left–right after cropping.
    public var flip: Bool

    public init(padding: Int = 0, offsetY: Int = 0, offsetX: Int = 0, flip: Bool = false) {
        self.padding = padding; self.offsetY = offsetY; self.offsetX = offsetX; self.flip = flip
    }

    /// Leaves images unchanged.
    public static let identity = ImageTransform()

    /// Writes the transformed image to `dst` (`channels·height·width` values; `src` and `dst`
    /// must not overlap).
    @inlinable
    public func apply(
        _ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>,
        channels: Int, height: Int, width: Int
    ) {
        let dy = offsetY - padding, dx = offsetX - padding
        // Output columns whose source column x + dx lies inside the image.
        let lo = min(width, max(0, -dx)), hi = max(lo, min(width, width - dx))
        for c in 0..<channels {
            for y in 0..<height {
                let out = dst + (c * height + y) * width
                let sy = y + dy
                guard sy >= 0 && sy < height else { out.update(repeating: 0, count: width); continue }
                let row = src + (c * height + sy) * width + dx
                if !flip {
                    out.update(repeating: 0, count: lo)
                    out.advanced(by: lo).update(from: row + lo, count: hi - lo)
                    (out + hi).update(repeating: 0, count: width - hi)
                } else {
                    // out[k] = cropped[width-1-k]; cropped is non-zero for columns lo..<hi.
                    out.update(repeating: 0, count: width - hi)
                    for k in (width - hi)..<(width - lo) { out[k] = row[width - 1 - k] }
                    (out + (width - lo)).update(repeating: 0, count: lo)
                }
            }
        }
    }

    /// The transformed copy of one image (`channels·height·width` values).
    public func apply(to image: [Float], channels: Int, height: Int, width: Int) -> [Float] {
        precondition(
            image.count == channels * height * width,
            "image has \(image.count) values, expected \(channels)x\(height)x\(width)")
        guard !image.isEmpty else { return [] }
        return [Float](unsafeUninitializedCapacity: image.count) { out, initialized in
            image.withUnsafeBufferPointer { src in
                apply(src.baseAddress!, to: out.baseAddress!, channels: channels, height: height, width: width)
            }
            initialized = image.count
        }
    }
}
