import PolybitNN
import PolybitQuant
import PolybitTensor

/// The integer network a `ViTTopology` lowers to, before any number is known: every layer's name,
/// operation, inputs and output format. `ViTExporter` fills it from a trained multi-bit ViT, the
/// synthetic ViT with random numbers.
///
/// What the plan decides (training quantizes only the inputs of the linear layers):
/// - the input is 8-bit unsigned pixels; the patch embedding is a `patch×patch` conv of stride
///   `patch`, then `tokens` and `token_embed` (class token and positions);
/// - every tensor a quantizer produced in training (each linear's input: the LayerNorm outputs, the
///   attention context, the GELU output) is stored on that quantizer's grid at its bits;
/// - what training kept in float (the residual stream, the linear outputs, the attention scores and
///   the logits) is `floatBits`-bit signed with a calibrated scale;
/// - the operands of the two attention products are `attentionBits` wide: Q, K and V (the QKV
///   linear's output, which training kept in float) signed with a calibrated scale, the attention
///   probabilities unsigned with scale `2^−attentionBits`. At 8 (or the array's width) the products
///   run on an 8-bit array; the default, 16, keeps them nearer the float model;
/// - the final LayerNorm runs on the class token only (`select_token` first: the same numbers).
public struct ViTIntegerPlan: Sendable {
    /// Where a tensor's scale comes from.
    public enum ScaleSource: Sendable, Hashable {
        /// The model input: the dataset normalization decides it.
        case input
        /// The step of the named activation quantizer at the tensor's bits.
        case quantizer(String)
        /// max |value| of the named float tensor over calibration images, with headroom.
        case calibrated(String)
        /// Softmax probabilities: `2^−bits`.
        case probability
    }

    /// A tensor's format.
    public struct Tensor: Sendable, Hashable {
        public var bits: Int
        public var signed: Bool
        public var scale: ScaleSource
    }

    /// What a planned layer computes.
    public enum Operation: Sendable, Hashable {
        /// The trained linear of the same name (`kernel` > 0: the patch embedding as a conv).
        case weighted(ResNetIntegerPlan.Weighted)
        case tokens
        /// Class token and positions of the trained patch embedding.
        case tokenEmbed
        /// The trained LayerNorm of the given name.
        case layerNorm(String)
        case splitHeads(HeadSplit)
        /// `Q·Kᵀ / √headDim`.
        case scores(headDim: Int)
        case softmax
        /// `A·V`.
        case context
        case mergeHeads
        case add
        case gelu
        case selectToken
    }

    /// One integer layer.
    public struct Layer: Sendable, Hashable {
        public var name: String
        public var operation: Operation
        public var inputs: [String]
        public var output: Tensor
    }

    public let topology: ViTTopology
    public let input = Tensor(bits: 8, signed: false, scale: .input)
    /// Layers in execution order.
    public private(set) var layers: [Layer] = []

    /// Bits of the tensors training kept in float (at most 16: LayerNorm reads the stream).
    public static let defaultFloatBits = 16
    /// Bits of the attention products' operands (Q, K, V and the attention probabilities).
    public static let defaultAttentionBits = 16
    /// The attention operand widths an export accepts.
    public static let attentionBitsRange = 2...16

    /// Plans `topology` with each linear at the precision `precisionOf` gives for its trained name
    /// (float precisions count as 32-bit operands, for costing).
    public init(
        topology: ViTTopology, floatBits: Int = defaultFloatBits, attentionBits: Int = defaultAttentionBits,
        precisionOf: (String) -> Precision
    ) {
        self.topology = topology
        var b = Builder(topology: topology, floatBits: floatBits, attentionBits: attentionBits)
        for name in topology.weightedLayerNames { b.precisions[name] = precisionOf(name) }
        b.build()
        layers = b.layers
    }

    /// `[C, H, W]` of one input image.
    public var inputShape: [Int] { [topology.inputChannels, topology.height, topology.width] }

    /// The planned layer named `name`.
    public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }

    /// The last layer whose output is on the grid of activation quantizer `quantizer` (for the
    /// projection's input, the merged heads `[tokens, dim]`, the float model's layout, rather than
    /// the per-head context before them).
    public func tensor(carrying quantizer: String) -> String? {
        layers.last { $0.output.scale == .quantizer(quantizer) }?.name
    }
}

extension ViTIntegerPlan {
    fileprivate struct Builder {
        let topology: ViTTopology
        let floatBits: Int, attentionBits: Int
        var precisions: [String: Precision] = [:]
        var layers: [Layer] = []

        /// A float-kept tensor: `floatBits` signed, calibrated under `key`.
        func float(_ key: String) -> Tensor { Tensor(bits: floatBits, signed: true, scale: .calibrated(key)) }
        /// An attention operand kept in float in training: `attentionBits` signed, calibrated under `key`.
        func attention(_ key: String) -> Tensor { Tensor(bits: attentionBits, signed: true, scale: .calibrated(key)) }
        /// The grid of linear `reader`'s input quantizer.
        func inputOf(_ reader: String) -> Tensor {
            Tensor(bits: precisions[reader]!.activationOperandBits, signed: true, scale: .quantizer(reader + ".input"))
        }

        mutating func add(_ name: String, _ op: Operation, _ inputs: [String], _ output: Tensor) {
            layers.append(Layer(name: name, operation: op, inputs: inputs, output: output))
        }

        mutating func linear(_ name: String, from source: String, in i: Int, out o: Int, output: Tensor) {
            let g = ResNetIntegerPlan.Weighted(
                inChannels: i, outChannels: o, kernel: 0, stride: 1, padding: 0,
                weightBits: precisions[name]!.weightOperandBits)
            add(name, .weighted(g), [source], output)
        }

        mutating func build() {
            let t = topology, p = t.patch, embed = ViTTopology.embeddingName
            let conv = ResNetIntegerPlan.Weighted(
                inChannels: t.inputChannels, outChannels: t.dim, kernel: p, stride: p, padding: 0,
                weightBits: precisions[embed]!.weightOperandBits)
            add(embed, .weighted(conv), [IntegerModel.inputName], float(embed))
            add("embed.tokens", .tokens, [embed], float(embed))
            add("embed", .tokenEmbed, ["embed.tokens"], float("embed"))
            var stream = "embed"
            for b in 0..<t.depth { stream = appendBlock(t.block(b), after: stream) }
            add("cls", .selectToken, [stream], float(stream))
            add(ViTTopology.normName, .layerNorm(ViTTopology.normName), ["cls"], inputOf(ViTTopology.headName))
            linear(ViTTopology.headName, from: ViTTopology.normName, in: t.dim, out: t.classes, output: float("logits"))
        }

        /// Appends block `name` reading stream tensor `x`; returns its output tensor's name.
        mutating func appendBlock(_ name: String, after x: String) -> String {
            let t = topology, d = t.dim, qkv = name + ".attn.qkv", proj = name + ".attn.proj"
            add(name + ".norm1", .layerNorm(name + ".norm1"), [x], inputOf(qkv))
            linear(qkv, from: name + ".norm1", in: d, out: 3 * d, output: attention(qkv))
            for (i, part) in ["q", "k", "v"].enumerated() {
                let split = HeadSplit(offset: i * d, heads: t.heads, headDim: t.headDim)
                add(name + ".attn." + part, .splitHeads(split), [qkv], attention(qkv))
            }
            add(
                name + ".attn.scores", .scores(headDim: t.headDim), [name + ".attn.q", name + ".attn.k"],
                float(name + ".attn.scores"))
            add(
                name + ".attn.softmax", .softmax, [name + ".attn.scores"],
                Tensor(bits: attentionBits, signed: false, scale: .probability))
            add(name + ".attn.context", .context, [name + ".attn.softmax", name + ".attn.v"], inputOf(proj))
            add(name + ".attn.merge", .mergeHeads, [name + ".attn.context"], inputOf(proj))
            linear(proj, from: name + ".attn.merge", in: d, out: d, output: float(proj))
            add(name + ".residual1", .add, [x, proj], float(name + ".residual1"))
            add(name + ".norm2", .layerNorm(name + ".norm2"), [name + ".residual1"], inputOf(name + ".fc1"))
            linear(name + ".fc1", from: name + ".norm2", in: d, out: t.hiddenDim, output: float(name + ".fc1"))
            add(name + ".gelu", .gelu, [name + ".fc1"], inputOf(name + ".fc2"))
            linear(name + ".fc2", from: name + ".gelu", in: t.hiddenDim, out: d, output: float(name + ".fc2"))
            add(name + ".residual2", .add, [name + ".residual1", name + ".fc2"], float(name + ".residual2"))
            return name + ".residual2"
        }
    }
}
