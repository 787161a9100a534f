import PolybitData
import PolybitNN
import PolybitTensor

/// The EL2N importance score (Paul et al., 2021) of bit-wise coresets.
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

    /// Scores of the samples of `data` at `indices` (default: all) under `model` in evaluation mode
    /// (no augmentation), one per sample of `data` with NaN for those not scored; `progress(done)`
    /// after each batch with the number of samples scored so far.
    public static func scores(
        of model: any ImageClassifier, on data: Dataset, indices: [Int]? = nil,
        batchSize: Int = 500, progress: (Int) -> Void = { _ in }
    ) -> [Float] {
        var out = [Float](repeating: .nan, count: data.count), done = 0
        for batch in BatchLoader.evaluation(data, batchSize: batchSize).epoch(0, subset: indices) {
            let s = scores(logits: model.forward(batch.images, training: false), labels: batch.labels)
            for (i, v) in zip(batch.indices, s) { out[i] = v }
            done += batch.count
            progress(done)
        }
        return out
    }
}
