import PolybitData
import PolybitNN
import PolybitTensor

/// The ranges of what a ViT keeps in float, for `ViTExporter`'s calibrated grids.
enum ViTCalibration {
    /// Max |value| over `data` (evaluation mode, the network's current precision) of the patch
    /// projection (`embed.proj`, positions excluded), the embedded tokens (`embed`), each block's
    /// QKV output, scaled attention scores, attention projection, first residual sum, fc1, fc2 and
    /// block output (`blockB.attn.qkv`, `.attn.scores`, `.attn.proj`, `.residual1`, `.fc1`, `.fc2`,
    /// `.residual2`) and the logits. The block is recomputed from its parts as `TransformerBlock`
    /// composes them.
    static func maxima(_ vit: ViT, on data: Dataset) -> [String: Double] {
        var maxima: [String: Double] = [:]
        func observe(_ key: String, _ v: Double) { maxima[key] = max(maxima[key] ?? 0, v) }
        func observe(_ key: String, _ t: Tensor) { observe(key, Double(t.storage.reduce(0) { max($0, abs($1)) })) }
        let gelu = GELU()
        for batch in BatchLoader.evaluation(data, batchSize: 256).epoch(0) {
            var x = vit.embedding.forward(batch.images, training: false)
            observe("embed", x)
            observe(ViTTopology.embeddingName, projectionMaximum(x, positions: vit.embedding.positions.value))
            for (i, b) in vit.blocks.enumerated() {
                let name = vit.topology.block(i)
                let h = b.norm1.forward(x, training: false)
                let qkv = b.attention.qkv.forward(h, training: false)
                observe(name + ".attn.qkv", qkv)
                observe(name + ".attn.scores", scoresMaximum(qkv, heads: b.attention.heads))
                let attention = b.attention.forward(h, training: false)
                observe(name + ".attn.proj", attention)
                let r1 = x + attention
                observe(name + ".residual1", r1)
                let f1 = b.fc1.forward(b.norm2.forward(r1, training: false), training: false)
                observe(name + ".fc1", f1)
                let f2 = b.fc2.forward(gelu.forward(f1, training: false), training: false)
                observe(name + ".fc2", f2)
                x = r1 + f2
                observe(name + ".residual2", x)
            }
            observe("logits", vit.forward(batch.images, training: false))
        }
        return maxima
    }

    /// max |x[n, t, j] − pos[t, j]| over the patch tokens (t ≥ 1) of `[N, T + 1, D]` tokens.
    static func projectionMaximum(_ x: Tensor, positions: Tensor) -> Double {
        let t = x.shape[1], d = x.shape[2]
        var top: Float = 0
        for b in 0..<x.shape[0] {
            for r in 1..<t {
                for j in 0..<d { top = max(top, abs(x.storage[(b * t + r) * d + j] - positions.storage[r * d + j])) }
            }
        }
        return Double(top)
    }

    /// max |Q·Kᵀ / √d| over every head of a `[N, T, 3D]` QKV tensor.
    static func scoresMaximum(_ qkv: Tensor, heads: Int) -> Double {
        let n = qkv.shape[0], t = qkv.shape[1], d3 = qkv.shape[2], d = d3 / 3, dh = d / heads
        let scale = 1 / Float(dh).squareRoot()
        var top: Float = 0
        qkv.withUnsafeBufferPointer { p in
            let s = p.baseAddress!
            for b in 0..<n {
                for h in 0..<heads {
                    for i in 0..<t {
                        let q = s + (b * t + i) * d3 + h * dh
                        for j in 0..<t {
                            let k = s + (b * t + j) * d3 + d + h * dh
                            var dot: Float = 0
                            for c in 0..<dh { dot += q[c] * k[c] }
                            top = max(top, abs(dot * scale))
                        }
                    }
                }
            }
        }
        return Double(top)
    }
}
