import PolybitTensor

/// Conversions between the NCHW layout of datasets and the CNHW layout convolutional layers use
/// internally (channel-major: a batched im2col GEMM writes it directly, and per-channel
/// normalization reads contiguous memory).
public enum Layout {
    /// Swaps the two outer dimensions: `[A, B, rest...] → [B, A, rest...]` (NCHW ↔ CNHW).
    public static func swapOuter(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 2, "swapOuter needs rank ≥ 2, got \(x.shape)")
        let a = x.shape[0], b = x.shape[1]
        let inner = x.count / max(1, a * b)
        var shape = x.shape
        shape.swapAt(0, 1)
        return x.withUnsafeBufferPointer { src in
            Tensor(shape: shape) { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEachChunk(b, minimumChunk: 4) { range in
                    for j in range {
                        for i in 0..<a {
                            (d + (j * a + i) * inner).update(from: s + (i * b + j) * inner, count: inner)
                        }
                    }
                }
            }
        }
    }
}
