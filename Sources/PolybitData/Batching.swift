import PolybitTensor

/// One mini-batch: images as an NCHW tensor, their labels and where they came from.
public struct Batch: Sendable {
    /// `[B, C, H, W]`, augmented when the loader augments.
    public var images: Tensor
    /// `B` class indices.
    public var labels: [Int32]
    /// `B` indices into the dataset the samples were taken from.
    public var indices: [Int]

    public init(images: Tensor, labels: [Int32], indices: [Int]) {
        precondition(
            images.shape.first == labels.count && indices.count == labels.count,
            "batch of \(labels.count) labels, \(indices.count) indices, images \(images.shape)")
        self.images = images; self.labels = labels; self.indices = indices
    }

    /// Number of samples `B`.
    public var count: Int { labels.count }
}

/// Splits a dataset into mini-batches: deterministic shuffling by `(seed, epoch)`, optional
/// augmentation (also fixed by seed, epoch and batch), over the whole set or a subset of indices.
public struct BatchLoader: Sendable {
    /// The samples batches are drawn from.
    public let dataset: Dataset
    /// Samples per batch (the last batch of an epoch may be smaller unless `dropLast`).
    public var batchSize: Int
    /// Shuffle the order every epoch; when false, samples come in the given order.
    public var shuffle: Bool
    /// Crop and flip applied to each sample (`.none` for evaluation).
    public var augmentation: Augmentation
    /// Drop an epoch's last batch when it is smaller than `batchSize`.
    public var dropLast: Bool
    /// Fixes the order and the augmentation of every epoch.
    public var seed: UInt64

    public init(
        dataset: Dataset, batchSize: Int, shuffle: Bool = true, augmentation: Augmentation = .none,
        dropLast: Bool = false, seed: UInt64 = 0
    ) {
        precondition(batchSize > 0, "batch size must be positive, got \(batchSize)")
        self.dataset = dataset; self.batchSize = batchSize; self.shuffle = shuffle
        self.augmentation = augmentation; self.dropLast = dropLast; self.seed = seed
    }

    /// In-order batches of the whole dataset with no augmentation, the last one possibly partial.
    public static func evaluation(_ dataset: Dataset, batchSize: Int) -> BatchLoader {
        BatchLoader(dataset: dataset, batchSize: batchSize, shuffle: false)
    }

    /// The sample order of `epoch`: `subset` (default: every index) permuted by `(seed, epoch)`
    /// when shuffling, as given otherwise. Subset entries must be valid dataset indices.
    public func order(epoch: Int, subset: [Int]? = nil) -> [Int] {
        let base = subset ?? Array(0..<dataset.count)
        precondition(
            base.allSatisfy { $0 >= 0 && $0 < dataset.count },
            "subset index outside 0..<\(dataset.count)")
        guard shuffle else { return base }
        var rng = SeededRNG.stream(seed: seed, UInt64(truncatingIfNeeded: epoch))
        return rng.permutation(base.count).map { base[$0] }
    }

    /// The batches of `epoch` over `subset` (default: the whole dataset), assembled on access.
    public func epoch(_ epoch: Int, subset: [Int]? = nil) -> EpochBatches {
        EpochBatches(loader: self, epoch: epoch, order: order(epoch: epoch, subset: subset))
    }

    /// A batch of the samples at `indices`, each transformed by `transforms[i]` (none when nil).
    /// Copies run in parallel over images.
    public func assemble(indices: [Int], transforms: [ImageTransform]? = nil) -> Batch {
        precondition(transforms == nil || transforms!.count == indices.count, "one transform per sample")
        let (c, h, w) = (dataset.channels, dataset.height, dataset.width)
        let size = dataset.imageSize, count = indices.count
        let storage = [Float](unsafeUninitializedCapacity: count * size) { out, initialized in
            dataset.images.withUnsafeBufferPointer { images in
                guard let src = images.baseAddress, let dst = out.baseAddress else { return }
                // A 28×28 batch of 128 is ~0.4 MB: split only when each worker gets ~64 KB.
                Parallel.forEachChunk(count, minimumChunk: max(1, 16_384 / max(1, size))) { range in
                    for i in range {
                        let from = src + indices[i] * size, to = dst + i * size
                        if let t = transforms?[i] {
                            t.apply(from, to: to, channels: c, height: h, width: w)
                        } else {
                            to.update(from: from, count: size)
                        }
                    }
                }
            }
            initialized = count * size
        }
        return Batch(
            images: Tensor(shape: [count, c, h, w], storage: storage),
            labels: indices.map { dataset.labels[$0] }, indices: indices)
    }

    /// Per-sample transforms of batch `number` of `epoch`, or nil without augmentation.
    func transforms(epoch: Int, number: Int, count: Int) -> [ImageTransform]? {
        guard augmentation != .none else { return nil }
        var rng = SeededRNG.stream(
            seed: seed ^ 0xA06_3E47_A710_0000,
            UInt64(truncatingIfNeeded: epoch) << 32 | UInt64(truncatingIfNeeded: number))
        return (0..<count).map { _ in augmentation.draw(using: &rng) }
    }
}

/// The batches of one epoch, in order; each is assembled (copied, augmented) when accessed.
public struct EpochBatches: RandomAccessCollection, Sendable {
    /// The loader that makes the batches.
    public let loader: BatchLoader
    /// Epoch number (fixes order and augmentation).
    public let epoch: Int
    /// Dataset indices in the order they are batched.
    public let order: [Int]

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        loader.dropLast
            ? order.count / loader.batchSize
            : (order.count + loader.batchSize - 1) / loader.batchSize
    }

    /// Dataset indices of batch `number`.
    public func indices(ofBatch number: Int) -> [Int] {
        precondition(number >= 0 && number < endIndex, "batch \(number) outside 0..<\(endIndex)")
        let lo = number * loader.batchSize
        return Array(order[lo..<Swift.min(order.count, lo + loader.batchSize)])
    }

    public subscript(number: Int) -> Batch {
        let indices = indices(ofBatch: number)
        return loader.assemble(
            indices: indices,
            transforms: loader.transforms(epoch: epoch, number: number, count: indices.count))
    }

    /// This rank's part of batch `number`: the samples of `communicator.share(of:)` of it, each with
    /// the augmentation it has in the whole batch, so the ranks' parts make up exactly the batch
    /// one process trains on.
    public func batch(_ number: Int, sharedBy communicator: any Communicator) -> Batch {
        let indices = indices(ofBatch: number), part = communicator.share(of: indices.count)
        let transforms = loader.transforms(epoch: epoch, number: number, count: indices.count)
        return loader.assemble(indices: Array(indices[part]), transforms: transforms.map { Array($0[part]) })
    }
}
