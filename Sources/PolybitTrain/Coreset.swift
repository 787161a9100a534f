import Foundation
import PolybitData
import PolybitHDF5
import PolybitNN
import PolybitTensor

/// Bit-wise coreset sampling (EMQ): each trained precision trains on its own subset of the
/// training set, the highest-scoring `fraction` by an importance score computed at that precision,
/// redrawn every `redrawEpochs` after `warmupEpochs` of full data.
public struct CoresetConfig: Codable, Equatable, Sendable {
    /// How samples are ranked.
    public enum Score: String, Codable, Sendable, CaseIterable {
        /// `‖softmax(f_b(x)) − onehot(y)‖₂`, the norm of the loss gradient w.r.t. the logits.
        case el2n
        /// Random subsets of the same size (the baseline).
        case random
    }
    /// Fraction of the training set each precision keeps (1 − pruning rate), in (0, 1].
    public var fraction: Double
    public var redrawEpochs = 2
    public var warmupEpochs = 1
    public var score = Score.el2n
    /// Keep each class's share of the training set in every subset.
    public var classBalanced = true
    /// One subset (the highest precision's) for every precision instead of one each.
    public var shared = false

    public init(fraction: Double) { self.fraction = fraction }

    public func validate() throws {
        guard fraction > 0, fraction <= 1 else { throw InputError("--coreset \(fraction): expected a fraction in (0, 1]") }
        guard redrawEpochs > 0 else { throw InputError("--redraw \(redrawEpochs): expected a positive number of epochs") }
        guard warmupEpochs >= 0 else { throw InputError("--coreset-warmup \(warmupEpochs): must not be negative") }
    }

    /// True when subsets are (re)drawn at the start of `epoch`.
    public func redraws(at epoch: Int) -> Bool {
        epoch >= warmupEpochs && (epoch - warmupEpochs) % redrawEpochs == 0
    }

    /// True when `epoch` trains on subsets (false during warm-up).
    public func usesSubsets(at epoch: Int) -> Bool { epoch >= warmupEpochs }
}

public enum EL2N {
    /// `‖softmax(logits_i) − onehot(y_i)‖₂` for each row of `[N, K]` logits.
    public static func scores(logits: Tensor, labels: [Int32]) -> [Float] {
        let p = softmaxRows(logits), k = logits.shape[1]
        return labels.indices.map { i in
            var s: Float = 0
            for j in 0..<k {
                let d = p.storage[i * k + j] - (j == Int(labels[i]) ? 1 : 0)
                s += d * d
            }
            return s.squareRoot()
        }
    }

    /// Scores of every sample of `data` under `model` in evaluation mode (no augmentation);
    /// `progress(done)` after each batch with the number of samples scored so far.
    public static func scores(of model: any ImageClassifier, on data: Dataset, batchSize: Int = 500,
                              progress: (Int) -> Void = { _ in }) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(data.count)
        for batch in BatchLoader.evaluation(data, batchSize: batchSize).epoch(0) {
            out += scores(logits: model.forward(batch.images, training: false), labels: batch.labels)
            progress(out.count)
        }
        return out
    }
}

public enum CoresetSelection {
    /// The indices of the `fraction` highest `scores` (ties: lower index first), in ascending
    /// index order. Class-balanced: each class keeps `round(fraction · its count)` of its own best.
    public static func top(scores: [Float], labels: [Int32], classes: Int, fraction: Double,
                           classBalanced: Bool) -> [Int] {
        func best(_ pool: [Int], _ count: Int) -> [Int] {
            Array(pool.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(count))
        }
        guard classBalanced else {
            return best(Array(scores.indices), max(1, Int((fraction * Double(scores.count)).rounded()))).sorted()
        }
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, y) in labels.enumerated() { byClass[Int(y)].append(i) }
        return byClass.flatMap { pool in
            pool.isEmpty ? [] : best(pool, max(1, Int((fraction * Double(pool.count)).rounded())))
        }.sorted()
    }
}

/// The subsets of one redraw: for each trained precision its scores and chosen indices.
public struct CoresetDraw: Equatable {
    public var epoch: Int
    /// Precision names ("8-bit", "fp32"), highest first, as trained.
    public var precisions: [String]
    public var scores: [[Float]]
    public var subsets: [[Int]]

    public init(epoch: Int, precisions: [String], scores: [[Float]], subsets: [[Int]]) {
        self.epoch = epoch; self.precisions = precisions; self.scores = scores; self.subsets = subsets
    }

    /// `RUN/coresets/epoch<E>.h5`.
    public static func path(runDirectory: String, epoch: Int) -> String {
        runDirectory + "/coresets/epoch\(epoch).h5"
    }

    /// Writes `scores/<precision>` (float32 [N]) and `subsets/<precision>` (int32 indices) with
    /// root attributes `epoch` and `precisions`, atomically.
    public func write(to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try HDF5File.writeAtomically(to: path) { f in
            try f.root.setAttribute("epoch", .int(epoch))
            try f.root.setAttribute("precisions", .strings(precisions))
            for (k, name) in precisions.enumerated() {
                try f.root.write("scores/" + name, scores[k], shape: [scores[k].count])
                try f.root.write("subsets/" + name, subsets[k].map { Int32($0) }, shape: [subsets[k].count])
            }
        }
    }

    public static func read(from path: String) throws -> CoresetDraw {
        let f = try HDF5File(path: path, mode: .readOnly)
        guard let epoch = try f.root.attribute("epoch").intValue, let names = try f.root.attribute("precisions").stringsValue else {
            throw InputError("\(path): not a coreset file (attributes epoch, precisions)")
        }
        return CoresetDraw(epoch: epoch, precisions: names,
                           scores: try names.map { try f.root.read("scores/" + $0, as: Float.self).values },
                           subsets: try names.map { try f.root.read("subsets/" + $0, as: Int32.self).values.map { Int($0) } })
    }
}
