import PolybitTensor

/// Splits NCHW images into non-overlapping `patch×patch` patches, embeds each with a linear
/// layer, prepends a learned class token and adds learned position embeddings.
/// Input `[N, C, H, W]`, output `[N, 1 + (H/p)(W/p), D]`.
public final class PatchEmbedding: Layer {
    public let channels: Int, patch: Int, dim: Int, tokens: Int
    public let projection: Linear
    public let classToken: Parameter, positions: Parameter
    private var n = 0

    public init(
        name: String, channels: Int, height: Int, width: Int, patch: Int, dim: Int,
        rng: inout SeededRNG
    ) {
        precondition(
            height % patch == 0 && width % patch == 0,
            "image \(height)x\(width) is not divisible into \(patch)x\(patch) patches")
        self.channels = channels; self.patch = patch; self.dim = dim
        tokens = (height / patch) * (width / patch)
        projection = Linear(name: name + ".proj", inFeatures: channels * patch * patch, outFeatures: dim, rng: &rng)
        classToken = Parameter(name: name + ".cls", role: .bias, value: .randomNormal([dim], std: 0.02, rng: &rng))
        positions = Parameter(
            name: name + ".pos", role: .bias,
            value: .randomNormal([tokens + 1, dim], std: 0.02, rng: &rng))
    }

    public var parameters: [Parameter] { projection.parameters + [classToken, positions] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        n = x.shape[0]
        let h = x.shape[2], w = x.shape[3], p = patch, pw = w / p, k = channels * p * p
        let patches = Tensor(shape: [n, tokens, k]) { pp in
            for b in 0..<n {
                for ty in 0..<(h / p) {
                    for tx in 0..<pw {
                        let dst = pp.baseAddress! + (b * tokens + ty * pw + tx) * k
                        var o = 0
                        for c in 0..<channels {
                            for py in 0..<p {
                                for px in 0..<p {
                                    dst[o] = x.storage[((b * channels + c) * h + ty * p + py) * w + tx * p + px]; o += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        let e = projection.forward(patches, training: training)
        return Tensor(shape: [n, tokens + 1, dim]) { out in
            for b in 0..<n {
                for t in 0...tokens {
                    let dst = out.baseAddress! + (b * (tokens + 1) + t) * dim
                    for j in 0..<dim {
                        let v = t == 0 ? classToken.value.storage[j] : e.storage[(b * tokens + t - 1) * dim + j]
                        dst[j] = v + positions.value.storage[t * dim + j]
                    }
                }
            }
        }
    }

    /// Accumulates gradients of the projection, class token and positions; returns an empty
    /// tensor (images need no gradient).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        var dPos = Tensor(shape: positions.value.shape), dCls = Tensor(shape: [dim])
        let dE = Tensor(shape: [n, tokens, dim]) { de in
            for b in 0..<n {
                for t in 0...tokens {
                    for j in 0..<dim {
                        let g = gradOutput.storage[(b * (tokens + 1) + t) * dim + j]
                        dPos.storage[t * dim + j] += g
                        if t == 0 { dCls.storage[j] += g } else { de[(b * tokens + t - 1) * dim + j] = g }
                    }
                }
            }
        }
        positions.accumulateGrad(dPos)
        classToken.accumulateGrad(dCls)
        _ = projection.backward(dE)
        return Tensor(shape: [0])
    }
}

/// A pre-norm transformer encoder block: `x + MHSA(LN(x))`, then `x + MLP(LN(x))` with a
/// GELU MLP of width `mlpRatio·D`. Input and output `[N, T, D]`.
public final class TransformerBlock: Layer {
    public let norm1: LayerNorm, attention: MultiHeadSelfAttention
    public let norm2: LayerNorm, fc1: Linear, fc2: Linear
    private let gelu = GELU()

    public init(name: String, dim: Int, heads: Int, mlpRatio: Int, rng: inout SeededRNG) {
        norm1 = LayerNorm(name: name + ".norm1", features: dim)
        attention = MultiHeadSelfAttention(name: name + ".attn", dim: dim, heads: heads, rng: &rng)
        norm2 = LayerNorm(name: name + ".norm2", features: dim)
        fc1 = Linear(name: name + ".fc1", inFeatures: dim, outFeatures: dim * mlpRatio, rng: &rng)
        fc2 = Linear(name: name + ".fc2", inFeatures: dim * mlpRatio, outFeatures: dim, rng: &rng)
    }

    public var parameters: [Parameter] {
        norm1.parameters + attention.parameters + norm2.parameters + fc1.parameters + fc2.parameters
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let a = x + attention.forward(norm1.forward(x, training: training), training: training)
        let m = fc2.forward(
            gelu.forward(
                fc1.forward(norm2.forward(a, training: training), training: training),
                training: training), training: training)
        return a + m
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        let dA = gradOutput + norm2.backward(fc1.backward(gelu.backward(fc2.backward(gradOutput))))
        return dA + norm1.backward(attention.backward(dA))
    }
}

/// A small Vision Transformer (Dosovitskiy et al. 2021): patch embedding, `depth` pre-norm
/// transformer blocks, a final LayerNorm and a linear head on the class token.
public final class ViT: ImageClassifier {
    public let architecture = "vit"
    /// The layer list as data (names, sizes), shared with the integer export.
    public let topology: ViTTopology
    public let embedding: PatchEmbedding
    public let blocks: [TransformerBlock]
    public let norm: LayerNorm
    public let head: Linear
    private var tokens = 0

    public init(
        inputChannels: Int, height: Int, width: Int, classes: Int, patch: Int = 4, dim: Int = 64,
        depth: Int = 4, heads: Int = 4, mlpRatio: Int = 2, seed: UInt64
    ) {
        do {
            topology = try ViTTopology(
                inputChannels: inputChannels, height: height, width: width, classes: classes, patch: patch, dim: dim,
                depth: depth, heads: heads, mlpRatio: mlpRatio)
        } catch {
            preconditionFailure("\(error)")
        }
        var rng = SeededRNG(seed: seed)
        embedding = PatchEmbedding(
            name: "embed", channels: inputChannels, height: height, width: width,
            patch: patch, dim: dim, rng: &rng)
        blocks = (0..<depth).map { [topology] in
            TransformerBlock(name: topology.block($0), dim: dim, heads: heads, mlpRatio: mlpRatio, rng: &rng)
        }
        norm = LayerNorm(name: ViTTopology.normName, features: dim)
        head = Linear(name: ViTTopology.headName, inFeatures: dim, outFeatures: classes, rng: &rng)
    }

    public var parameters: [Parameter] {
        embedding.parameters + blocks.flatMap(\.parameters) + norm.parameters + head.parameters
    }

    public var weightedLayers: [any WeightedLayer] {
        [embedding.projection] + blocks.flatMap { [$0.attention.qkv, $0.attention.projection, $0.fc1, $0.fc2] } + [head]
    }

    public var normLayers: [BatchNorm2d] { [] }

    public func forward(_ images: Tensor, training: Bool) -> Tensor {
        var x = embedding.forward(images, training: training)
        for b in blocks { x = b.forward(x, training: training) }
        x = norm.forward(x, training: training)
        let n = x.shape[0], t = x.shape[1], d = x.shape[2]
        tokens = t
        let cls = Tensor(shape: [n, d]) { c in
            for b in 0..<n { for j in 0..<d { c[b * d + j] = x.storage[b * t * d + j] } }
        }
        return head.forward(cls, training: training)
    }

    public func backward(_ gradLogits: Tensor) {
        let dCls = head.backward(gradLogits)
        let n = dCls.shape[0], d = dCls.shape[1], t = tokens
        var dx = Tensor(shape: [n, t, d])
        for b in 0..<n { for j in 0..<d { dx.storage[b * t * d + j] = dCls.storage[b * d + j] } }
        dx = norm.backward(dx)
        for b in blocks.reversed() { dx = b.backward(dx) }
        _ = embedding.backward(dx)
    }
}
