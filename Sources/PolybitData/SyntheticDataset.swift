import PolybitTensor

/// Learnable synthetic images for tests and quick runs. Each class has a fixed smooth random
/// pattern (a 4×4 grid of normal values per channel, bilinearly upsampled); an image is its class
/// pattern plus independent pixel noise, clamped to `[0, 1]`. A tiny CNN separates the classes in
/// a few hundred steps. Everything is fixed by the seed.
public enum SyntheticDataset {
    /// `count` images of `channels`×`height`×`width` with labels balanced over `classes`
    /// (`i % classes`, shuffled). Patterns depend only on `seed`; `split` picks an independent
    /// draw of samples from the same classes (e.g. 0 = train, 1 = test). `noise` is the pixel
    /// noise standard deviation (pattern contrast is 0.25).
    public static func make(
        count: Int, channels: Int, height: Int, width: Int, classes: Int,
        seed: UInt64, split: UInt64 = 0, noise: Float = 0.2
    ) -> Dataset {
        precondition(
            count >= 0 && channels > 0 && height > 0 && width > 0 && classes > 0,
            "synthetic dataset needs positive sizes")
        let size = channels * height * width
        let patterns = (0..<classes).map { c in
            var rng = SeededRNG.stream(seed: seed, 0x5EED_0000 + UInt64(c))
            return smoothPattern(channels: channels, height: height, width: width, rng: &rng)
        }
        var labelRNG = SeededRNG.stream(seed: seed, 0x1ABE_0000 + split)
        let order = labelRNG.permutation(count)
        let labels = order.map { Int32($0 % classes) }
        var images = [Float](repeating: 0, count: count * size)
        images.withUnsafeMutableBufferPointer { buffer in
            let out = buffer
            Parallel.forEach(count) { i in
                var rng = SeededRNG.stream(seed: seed &+ 0x9_0000 &+ split, UInt64(i))
                let pattern = patterns[Int(labels[i])]
                for j in 0..<size {
                    out[i * size + j] = min(1, max(0, 0.5 + 0.25 * pattern[j] + noise * rng.nextNormal()))
                }
            }
        }
        return Dataset(
            name: "synthetic/\(split == 0 ? "train" : split == 1 ? "test" : "split\(split)")",
            images: images, labels: labels, channels: channels, height: height,
            width: width, classes: classes)
    }

    /// A training split (`split` 0) and a test split (`split` 1) drawn from the same classes.
    public static func splits(
        train: Int, test: Int, channels: Int, height: Int, width: Int,
        classes: Int, seed: UInt64
    ) -> DatasetSplits {
        DatasetSplits(
            train: make(
                count: train, channels: channels, height: height, width: width,
                classes: classes, seed: seed, split: 0),
            test: make(
                count: test, channels: channels, height: height, width: width,
                classes: classes, seed: seed, split: 1),
            classNames: (0..<classes).map { "pattern \($0)" })
    }

    /// A C×H×W pattern: per channel, a 4×4 grid of standard normals upsampled bilinearly.
    private static func smoothPattern(
        channels: Int, height: Int, width: Int,
        rng: inout SeededRNG
    ) -> [Float] {
        let g = 4
        var out = [Float](repeating: 0, count: channels * height * width)
        for c in 0..<channels {
            let grid = (0..<(g * g)).map { _ in rng.nextNormal() }
            for y in 0..<height {
                let fy = Float(y) * Float(g - 1) / Float(max(1, height - 1))
                let y0 = min(Int(fy), g - 2), ty = fy - Float(y0)
                for x in 0..<width {
                    let fx = Float(x) * Float(g - 1) / Float(max(1, width - 1))
                    let x0 = min(Int(fx), g - 2), tx = fx - Float(x0)
                    let top = grid[y0 * g + x0] * (1 - tx) + grid[y0 * g + x0 + 1] * tx
                    let bottom = grid[(y0 + 1) * g + x0] * (1 - tx) + grid[(y0 + 1) * g + x0 + 1] * tx
                    out[(c * height + y) * width + x] = top * (1 - ty) + bottom * ty
                }
            }
        }
        return out
    }
}
