/// The class token and position embeddings of a vision transformer, as one integer op: the input
/// `[T, D]` gets a leading row equal to its zero point (real 0), and the constant `[T + 1, D]`
/// (class token + position 0 in row 0, position t in row t) is added with the arithmetic of a
/// residual `add` (`AddRescale`, every mode).
public struct TokenEmbedding: Sendable, Equatable {
    /// Constant integers, row-major in `constantShape`, in `constantQuantization`.
    public var constant: [Int32]
    /// `[T + 1, D]`.
    public var constantShape: [Int]
    /// Quantization of `constant` (signed, zero point 0).
    public var constantQuantization: Quantization
    /// Rescaling of the tokens (input 0) and the constant (input 1) to the output scale.
    public var rescale: AddRescale

    public init(constant: [Int32], constantShape: [Int], constantQuantization: Quantization, rescale: AddRescale) {
        self.constant = constant; self.constantShape = constantShape
        self.constantQuantization = constantQuantization; self.rescale = rescale
    }
}

/// Which columns of a `[T, W]` tensor form the heads of a `split_heads` layer.
public struct HeadSplit: Sendable, Hashable {
    /// First column (0, D and 2D select Q, K and V of a fused QKV projection).
    public var offset: Int
    /// Number of heads H.
    public var heads: Int
    /// Columns per head d.
    public var headDim: Int

    public init(offset: Int, heads: Int, headDim: Int) {
        self.offset = offset; self.heads = heads; self.headDim = headDim
    }
}

/// Integer kernels of the token and head reshapes (codes are copied unchanged) and of the token
/// embedding. Tensors are `n` images, row-major per image.
enum TokenKernels {
    /// `[C, H·W]` planes to `[H·W, C]` tokens.
    static func tokens(
        _ x: UnsafePointer<Int32>, n: Int, channels c: Int, pixels p: Int, into y: UnsafeMutablePointer<Int32>
    ) {
        for b in 0..<n {
            let src = x + b * c * p, dst = y + b * c * p
            for ch in 0..<c { for t in 0..<p { dst[t * c + ch] = src[ch * p + t] } }
        }
    }

    /// `[T, W]` columns `offset + h·d + j` to `[H, T, d]`.
    static func splitHeads(
        _ x: UnsafePointer<Int32>, n: Int, tokens t: Int, width w: Int, split s: HeadSplit,
        into y: UnsafeMutablePointer<Int32>
    ) {
        let d = s.headDim
        for b in 0..<n {
            let src = x + b * t * w, dst = y + b * s.heads * t * d
            for h in 0..<s.heads {
                for r in 0..<t {
                    (dst + (h * t + r) * d).update(from: src + r * w + s.offset + h * d, count: d)
                }
            }
        }
    }

    /// `[H, T, d]` to `[T, H·d]`.
    static func mergeHeads(
        _ x: UnsafePointer<Int32>, n: Int, heads: Int, tokens t: Int, headDim d: Int,
        into y: UnsafeMutablePointer<Int32>
    ) {
        for b in 0..<n {
            let src = x + b * heads * t * d, dst = y + b * heads * t * d
            for h in 0..<heads {
                for r in 0..<t { (dst + r * heads * d + h * d).update(from: src + (h * t + r) * d, count: d) }
            }
        }
    }

    /// Row `index` of each image's `[T, D]`.
    static func selectToken(
        _ x: UnsafePointer<Int32>, n: Int, tokens t: Int, dim d: Int, index: Int, into y: UnsafeMutablePointer<Int32>
    ) {
        for b in 0..<n { (y + b * d).update(from: x + (b * t + index) * d, count: d) }
    }

    /// Prepends a zero-point row to each image's `[T, D]` and adds the constant (`TokenEmbedding`).
    static func tokenEmbed(
        _ x: UnsafePointer<Int32>, _ qx: Quantization, n: Int, tokens t: Int, dim d: Int, embedding e: TokenEmbedding,
        output q: Quantization, mode: RequantMode, into y: UnsafeMutablePointer<Int32>, scratch: Scratch
    ) {
        let rows = scratch.buffer(7, (t + 1) * d, as: Int32.self)
        rows.update(repeating: Int32(qx.zeroPoint), count: d)
        e.constant.withUnsafeBufferPointer { c in
            for b in 0..<n {
                (rows + d).update(from: x + b * t * d, count: t * d)
                ElementwiseKernels.add(
                    rows, qx, c.baseAddress!, e.constantQuantization, count: (t + 1) * d, rescale: e.rescale,
                    output: q, mode: mode, into: y + b * (t + 1) * d)
            }
        }
    }
}
