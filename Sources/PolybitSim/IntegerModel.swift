import PolybitData

/// An integer network: input quantization, then layers in execution order, each producing one
/// named integer tensor. The file format is documented in docs/integer-model.md; `read`,
/// `write` and `validate` live in IntegerModelIO.swift and IntegerModelValidation.swift.
public struct IntegerModel: Sendable, Equatable {
    /// Value of the root attribute `format`.
    public static let formatName = "polybit-integer-model"
    /// Value of the root attribute `format_version` this code reads and writes.
    public static let formatVersion = 1
    /// Name by which layers refer to the model input.
    public static let inputName = "input"

    /// Input shape per image `[C, H, W]` (NCHW without the batch dimension).
    public var inputShape: [Int]
    /// Quantization of the input integers.
    public var input: Quantization
    /// Layers in execution order; the last one's output is the model output.
    public var layers: [IntegerLayer]
    /// How pixels in [0, 1] become the model's real input (`(p − mean_c) / std_c`), when known;
    /// stored as `/input` attributes `normalization_mean`, `normalization_std`.
    public var inputNormalization: ChannelNormalization?

    public init(
        inputShape: [Int], input: Quantization, layers: [IntegerLayer],
        inputNormalization: ChannelNormalization? = nil
    ) {
        self.inputShape = inputShape; self.input = input; self.layers = layers
        self.inputNormalization = inputNormalization
    }
}

/// One layer: an operation, the names of the tensors it reads ("input" or earlier layer names),
/// and the quantization of the tensor it writes (named after the layer).
public struct IntegerLayer: Sendable, Equatable {
    public var name: String
    public var op: LayerOp
    /// Names of input tensors: one, or two for `add` and `matmul`.
    public var inputs: [String]
    /// Quantization of this layer's output tensor.
    public var output: Quantization

    public init(name: String, op: LayerOp, inputs: [String], output: Quantization) {
        self.name = name; self.op = op; self.inputs = inputs; self.output = output
    }
}

/// What a layer computes.
public enum LayerOp: Sendable, Equatable {
    /// 2-D convolution; weights `[O, C, kH, kW]`.
    case conv(WeightedLayer)
    /// Fully connected; weights `[O, I]`. A `[C, H, W]` or `[F]` input is flattened (`I = C·H·W`);
    /// a `[T, I]` token tensor is transformed row by row (output `[T, O]`).
    case linear(WeightedLayer)
    /// Residual add of two tensors of the same shape, each rescaled to the output scale.
    case add(AddRescale)
    /// `max(x, zeroPoint)`; input and output quantization are equal.
    case relu
    /// `min(max(x, min), max)` in integers; input and output quantization are equal.
    case clamp(min: Int, max: Int)
    /// Max over each window (padding never wins); input and output quantization are equal.
    case maxpool(PoolWindow)
    /// Window sum of `x − zp` (padding counts as zero point, i.e. the divisor is always
    /// `kH·kW`), then requantized; `requant` has one channel and includes the `1/(kH·kW)`.
    case avgpool(PoolWindow, Requantization)
    /// Sum of `x − zp` over each whole channel plane, then requantized (one channel, including
    /// `1/(H·W)`); output shape `[C, 1, 1]`.
    case globalAvgpool(Requantization)
    /// Reshape `[C, H, W]` to `[C·H·W]`.
    case flatten
    /// Integer softmax over the last axis (`IntegerSoftmax`); the multiplier is `S_in / S_e`.
    /// The output is unsigned with zero point 0 and scale `2^−bits`.
    case softmax(QuantizedMultiplier)
    /// Integer GELU (`IntegerGELU`): input multiplier `S_in · 2^12`, one-channel output
    /// requantization of real multiplier `2^−12 / S_y`.
    case gelu(QuantizedMultiplier, Requantization)
    /// Integer LayerNorm over the last axis (`IntegerLayerNorm`).
    case layernorm(LayerNormParameters)
    /// Per-head product of two activation tensors (`ActivationMatmul`): inputs `[H, M, K]` and
    /// `[H, K, N]` (or `[H, N, K]` when transposed), output `[H, M, N]`.
    case matmul(MatmulParameters)
    /// Image to tokens: `[C, H, W]` to `[H·W, C]` (token `y·W + x` holds the C values of pixel y, x).
    case tokens
    /// Prepends a class-token row and adds position embeddings (`TokenEmbedding`): `[T, D]` to `[T + 1, D]`.
    case tokenEmbed(TokenEmbedding)
    /// Columns `offset + h·headDim + j` of a `[T, W]` tensor as `[heads, T, headDim]` (`HeadSplit`).
    case splitHeads(HeadSplit)
    /// `[H, T, d]` to `[T, H·d]` (head h fills columns `h·d ..< (h + 1)·d`).
    case mergeHeads
    /// Row `index` of a `[T, D]` tensor, as `[D]` (the class token).
    case selectToken(Int)

    /// The schema's `op` string.
    public var name: String {
        switch self {
        case .conv: "conv"
        case .linear: "linear"
        case .add: "add"
        case .relu: "relu"
        case .clamp: "clamp"
        case .maxpool: "maxpool"
        case .avgpool: "avgpool"
        case .globalAvgpool: "global_avgpool"
        case .flatten: "flatten"
        case .softmax: "softmax"
        case .gelu: "gelu"
        case .layernorm: "layernorm"
        case .matmul: "matmul"
        case .tokens: "tokens"
        case .tokenEmbed: "token_embed"
        case .splitHeads: "split_heads"
        case .mergeHeads: "merge_heads"
        case .selectToken: "select_token"
        }
    }

    /// Every `op` string the schema knows.
    public static let names = [
        "conv", "linear", "add", "relu", "clamp", "maxpool", "avgpool",
        "global_avgpool", "flatten", "softmax", "gelu", "layernorm", "matmul", "tokens", "token_embed",
        "split_heads", "merge_heads", "select_token",
    ]
}

/// Weights, bias, bias correction and requantization of a conv or linear layer.
///
/// The exact pre-requantization value of output channel c is
/// `acc_c = bias_c + Σ q·(x − zp_x)` (the hardware accumulator) and
/// `T_c = 2^F · acc_c + Z_c · Σ(x − zp_x) + R_c` (64-bit, F = `zcFractionBits`), so that
/// `T_c / 2^F = Σ q·x' + z_c·Σx' + bias_c + R_c / 2^F` with `z_c = Z_c / 2^F`; `R_c` (optional)
/// is the fraction of the bias below one accumulator unit. Requantization divides by 2^F.
public struct WeightedLayer: Sendable, Equatable {
    /// Weight integers, row-major in `weightShape`.
    public var weights: [Int32]
    /// `[O, C, kH, kW]` for conv, `[O, I]` for linear.
    public var weightShape: [Int]
    /// Bits per weight, 1...16.
    public var weightBits: Int
    /// True for signed weights.
    public var weightSigned: Bool
    /// Real step of the weights per output channel (length O or 1); informational for the
    /// simulator, used by cost and trace readers.
    public var weightScale: [Double]
    /// int32 bias per output channel, in accumulator units (`s_x · s_w` of channel c).
    public var bias: [Int32]
    /// Bias-correction constants `Z_c` (length O), or nil when every `z_c` is 0.
    public var zc: [Int64]?
    /// Fraction bits F of `zc` and `biasFraction` (0...30); 0 when both are nil.
    public var zcFractionBits: Int
    /// Bias below one accumulator unit, in units of 2^−F (`|R_c| ≤ 2^F`), or nil (an integer bias).
    public var biasFraction: [Int64]?
    /// Requantization per output channel (length O or 1).
    public var requant: Requantization
    /// `[strideH, strideW]` (conv only; `[1, 1]` for linear).
    public var stride: [Int]
    /// `[padH, padW]`, symmetric, padded with the input zero point (conv only).
    public var padding: [Int]

    public init(
        weights: [Int32], weightShape: [Int], weightBits: Int, weightSigned: Bool = true,
        weightScale: [Double], bias: [Int32], zc: [Int64]? = nil, zcFractionBits: Int = 0,
        biasFraction: [Int64]? = nil,
        requant: Requantization, stride: [Int] = [1, 1], padding: [Int] = [0, 0]
    ) {
        self.weights = weights; self.weightShape = weightShape; self.weightBits = weightBits
        self.weightSigned = weightSigned; self.weightScale = weightScale; self.bias = bias
        self.zc = zc; self.zcFractionBits = zcFractionBits; self.biasFraction = biasFraction; self.requant = requant
        self.stride = stride; self.padding = padding
    }

    /// Output channels O.
    public var outChannels: Int { weightShape[0] }
    /// Terms per output K (`C·kH·kW` or `I`).
    public var patchSize: Int { weightShape.dropFirst().reduce(1, *) }
}

/// Window of a pooling layer.
public struct PoolWindow: Sendable, Equatable {
    /// `[kH, kW]`.
    public var kernel: [Int]
    /// `[strideH, strideW]`.
    public var stride: [Int]
    /// `[padH, padW]`, symmetric.
    public var padding: [Int]

    public init(kernel: [Int], stride: [Int], padding: [Int] = [0, 0]) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }
}

/// Rescaling of a residual add's two inputs to the output scale.
///
/// onnx mode (DequantizeLinear, Add, QuantizeLinear in float32):
/// `y = sat(roundHalfEven((fl(a'·s_a) + fl(b'·s_b)) / s_y) + zp_y)` with `a' = a − zp_a` and every
/// scale `Float(scale)`. TFLite modes (TFLite's quantized ADD): `A = fp(a'·2^leftShift, M_a, s_a)`,
/// `B = fp(b'·2^leftShift, M_b, s_b)`, `y = clamp(fp(A + B, M_y, s_y) + zp_y)`, where `fp` is the
/// mode's fixed-point multiply (double or single rounding).
public struct AddRescale: Sendable, Equatable {
    /// Q31 multipliers and shifts of the two inputs.
    public var inputs: [QuantizedMultiplier]
    /// Q31 multiplier and shift of the sum.
    public var output: QuantizedMultiplier
    /// Left shift applied to both centered inputs first (TFLite uses 20 for 8-bit, 15 for 16-bit).
    public var leftShift: Int

    public init(inputs: [QuantizedMultiplier], output: QuantizedMultiplier, leftShift: Int) {
        self.inputs = inputs; self.output = output; self.leftShift = leftShift
    }

    /// TFLite's parameters for input scales `sa`, `sb` and output scale `sy`:
    /// `twiceMax = 2·max(sa, sb)`, input multipliers `sa/twiceMax`, `sb/twiceMax`, output
    /// multiplier `twiceMax / (2^leftShift · sy)`.
    public init(scaleA sa: Double, scaleB sb: Double, scaleOut sy: Double, leftShift: Int = 20) {
        let twiceMax = 2 * max(sa, sb)
        self.init(
            inputs: [QuantizedMultiplier(real: sa / twiceMax), QuantizedMultiplier(real: sb / twiceMax)],
            output: QuantizedMultiplier(real: twiceMax / (Double(1 << leftShift) * sy)),
            leftShift: leftShift)
    }
}
