import PolybitTensor

/// Per-channel standardization `x' = (x − mean[c]) / std[c]`, with statistics measured on a
/// training split and applied unchanged to every split (and stored in checkpoints).
public struct ChannelNormalization: Sendable, Equatable, Codable {
    /// Mean of each channel, in the units of the images it was measured on (`[0, 1]` pixels).
    public var mean: [Float]
    /// Population standard deviation of each channel (at least 1e-6).
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "\(mean.count) means for \(std.count) standard deviations")
        self.mean = mean; self.std = std
    }

    /// The per-channel mean and standard deviation of `dataset`'s images.
    public init(fitting dataset: Dataset) {
        let channels = dataset.channels, plane = dataset.height * dataset.width
        // Sums per block of images (a fixed split, so results do not depend on the thread count),
        // in Float within one image plane and in Double across planes.
        let blocks = min(64, max(1, dataset.count))
        var partial = [Double](repeating: 0, count: blocks * channels * 2)
        partial.withUnsafeMutableBufferPointer { buffer in
            let out = buffer
            dataset.images.withUnsafeBufferPointer { px in
                Parallel.forEach(blocks) { b in
                    for n in (dataset.count * b / blocks)..<(dataset.count * (b + 1) / blocks) {
                        for c in 0..<channels {
                            let (s, q) = Self.sums(px.baseAddress! + (n * channels + c) * plane, plane)
                            out[(b * channels + c) * 2] += Double(s)
                            out[(b * channels + c) * 2 + 1] += Double(q)
                        }
                    }
                }
            }
        }
        let total = Double(max(1, dataset.count * plane))
        var mean = [Float](), std = [Float]()
        for c in 0..<channels {
            let s = (0..<blocks).reduce(0.0) { $0 + partial[($1 * channels + c) * 2] }
            let q = (0..<blocks).reduce(0.0) { $0 + partial[($1 * channels + c) * 2 + 1] }
            let m = s / total
            mean.append(Float(m))
            std.append(max(Float(max(q / total - m * m, 0).squareRoot()), 1e-6))
        }
        self.init(mean: mean, std: std)
    }

    /// Sum and sum of squares of `count` values, in eight Float lanes.
    @inline(__always)
    private static func sums(_ p: UnsafePointer<Float>, _ count: Int) -> (Float, Float) {
        var s = SIMD8<Float>(), q = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            s += v; q += v * v
            i += 8
        }
        var sum = s.sum(), squares = q.sum()
        while i < count { sum += p[i]; squares += p[i] * p[i]; i += 1 }
        return (sum, squares)
    }

    /// The same statistics with each mean moved to the nearest multiple of 1/255 (the 8-bit pixel
    /// grid), so `(p/255 − mean)/std` of an 8-bit pixel p is exactly `(p − z)/(255·std)` with an
    /// integer z: an integer model's 8-bit input then represents the normalized image exactly.
    public func roundedToPixelGrid() -> ChannelNormalization {
        ChannelNormalization(mean: mean.map { ($0 * 255).rounded() / 255 }, std: std)
    }

    /// `dataset` with every image standardized; its channel count must match.
    public func apply(to dataset: Dataset) -> Dataset {
        precondition(
            dataset.channels == mean.count,
            "normalization for \(mean.count) channels applied to \(dataset.channels)")
        let plane = dataset.height * dataset.width, channels = dataset.channels
        let scale = std.map { 1 / $0 }, shift = mean
        var out = dataset
        out.images = [Float](unsafeUninitializedCapacity: dataset.images.count) { buffer, initialized in
            let dst = buffer
            dataset.images.withUnsafeBufferPointer { src in
                Parallel.forEach(dataset.count) { n in
                    for c in 0..<channels {
                        let base = (n * channels + c) * plane, m = shift[c], k = scale[c]
                        for i in base..<(base + plane) { dst[i] = (src[i] - m) * k }
                    }
                }
            }
            initialized = dataset.images.count
        }
        return out
    }
}

extension DatasetSplits {
    /// Every split standardized with statistics measured on the training split, and those statistics.
    public func normalized() -> (splits: DatasetSplits, normalization: ChannelNormalization) {
        let norm = ChannelNormalization(fitting: train)
        return (
            DatasetSplits(
                train: norm.apply(to: train), test: norm.apply(to: test),
                validation: validation.map { norm.apply(to: $0) }, classNames: classNames), norm
        )
    }
}
