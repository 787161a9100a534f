import PolybitTensor

/// The one description of the small Vision Transformer (Dosovitskiy et al. 2021) as data:
/// `patch×patch` patches embedded to `dim`, a class token and learned positions, `depth` pre-norm
/// blocks (LayerNorm, `heads`-head self-attention with a fused QKV projection, LayerNorm, a GELU
/// MLP of width `mlpRatio·dim`), a final LayerNorm and a linear head on the class token.
///
/// The trainable `ViT`, the integer export and the synthetic integer ViT are built from it, so a
/// layer has one name everywhere: `embed.proj`, `blockB.attn.qkv|attn.proj|fc1|fc2`,
/// `blockB.norm1|norm2` (B from 0), `norm` and `head`.
public struct ViTTopology: Sendable, Hashable {
    public let inputChannels: Int, height: Int, width: Int, classes: Int
    public let patch: Int, dim: Int, depth: Int, heads: Int, mlpRatio: Int

    /// The patch embedding's name.
    public static let embeddingName = "embed.proj"
    /// The final LayerNorm's name.
    public static let normName = "norm"
    /// The head's name.
    public static let headName = "head"

    /// - Throws: `InputError` unless every size is positive, the image divides into patches and
    ///   `dim` into heads.
    public init(
        inputChannels: Int, height: Int, width: Int, classes: Int, patch: Int = 4, dim: Int = 64, depth: Int = 4,
        heads: Int = 4, mlpRatio: Int = 2
    ) throws {
        guard [inputChannels, height, width, classes, patch, dim, depth, heads, mlpRatio].allSatisfy({ $0 > 0 }) else {
            throw InputError("ViT sizes must be positive")
        }
        guard height % patch == 0, width % patch == 0 else {
            throw InputError("image \(height)x\(width) is not divisible into \(patch)x\(patch) patches")
        }
        guard dim % heads == 0 else { throw InputError("attention width \(dim) is not divisible by \(heads) heads") }
        self.inputChannels = inputChannels; self.height = height; self.width = width; self.classes = classes
        self.patch = patch; self.dim = dim; self.depth = depth; self.heads = heads; self.mlpRatio = mlpRatio
    }

    /// Patches (tokens without the class token).
    public var patches: Int { (height / patch) * (width / patch) }
    /// Tokens the blocks see: the class token and the patches.
    public var tokens: Int { patches + 1 }
    /// Width of one attention head.
    public var headDim: Int { dim / heads }
    /// Width of the MLP's hidden layer.
    public var hiddenDim: Int { dim * mlpRatio }
    /// Name prefix of block `b`.
    public func block(_ b: Int) -> String { "block\(b)" }

    /// Every linear layer's name in execution order (embedding, each block's qkv, proj, fc1, fc2, head).
    public var weightedLayerNames: [String] {
        [Self.embeddingName]
            + (0..<depth).flatMap { b in ["attn.qkv", "attn.proj", "fc1", "fc2"].map { block(b) + "." + $0 } }
            + [Self.headName]
    }
}
