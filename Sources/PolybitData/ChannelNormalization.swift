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
        var sum = [Double](repeating: 0, count: channels), squares = sum
        dataset.images.withUnsafeBufferPointer { px in
            for n in 0..<dataset.count {
                for c in 0..<channels {
                    // Float partial sums per plane (small), accumulated in Double across images.
                    var s: Float = 0, q: Float = 0
                    let base = (n * channels + c) * plane
                    for i in 0..<plane { let v = px[base + i]; s += v; q += v * v }
                    sum[c] += Double(s); squares[c] += Double(q)
                }
            }
        }
        let total = Double(max(1, dataset.count * plane))
        mean = sum.map { Float($0 / total) }
        std = zip(sum, squares).map { s, q in
            let m = s / total
            return max(Float(max(q / total - m * m, 0).squareRoot()), 1e-6)
        }
    }

    /// `dataset` with every image standardized; its channel count must match.
    public func apply(to dataset: Dataset) -> Dataset {
        precondition(dataset.channels == mean.count,
                     "normalization for \(mean.count) channels applied to \(dataset.channels)")
        var out = dataset
        let plane = dataset.height * dataset.width, channels = dataset.channels
        let scale = std.map { 1 / $0 }, shift = mean
        out.images.withUnsafeMutableBufferPointer { buffer in
            let px = buffer
            Parallel.forEach(dataset.count) { n in
                for c in 0..<channels {
                    let base = (n * channels + c) * plane, m = shift[c], k = scale[c]
                    for i in 0..<plane { px[base + i] = (px[base + i] - m) * k }
                }
            }
        }
        return out
    }
}

extension DatasetSplits {
    /// Both splits standardized with statistics measured on the training split, and those statistics.
    public func normalized() -> (splits: DatasetSplits, normalization: ChannelNormalization) {
        let norm = ChannelNormalization(fitting: train)
        return (DatasetSplits(train: norm.apply(to: train), test: norm.apply(to: test), classNames: classNames), norm)
    }
}
