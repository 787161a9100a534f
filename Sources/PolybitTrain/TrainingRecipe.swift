import PolybitData
import PolybitQuant
import PolybitTensor

/// How a multi-bit network's BatchNorms serve its bit-widths.
public enum BatchNormMode: String, Codable, Sendable, CaseIterable {
    /// One BatchNorm for every bit-width (the method: weight bias correction aligns the statistics).
    case shared
    /// Ablation (AdaBits, Any-Precision): each BatchNorm keeps gamma, beta and running statistics
    /// per trained bit-width (and float, when trained); a width that was not trained uses the
    /// nearest trained width's set, ties to the higher (`BatchNorm2d.select(bits:)`).
    case switchable
}

/// Everything that determines a training run: model, data, schedule and optimizer. Stored as JSON
/// in every checkpoint so a run can be resumed, evaluated or exported without repeating flags.
/// `RecipeField` names each setting; the command line has one option per field.
public struct TrainingRecipe: Codable, Equatable, Sendable {
    public var model = ModelArchitecture.resnet(depth: 20)
    /// Channel multiplier of ResNet stages.
    public var width = 1
    /// Dataset name (see `DatasetCatalog.names`) and optional location.
    public var dataset = "fashion-mnist"
    public var dataDir: String?
    /// Training images held out as the validation split (the last ones of the dataset's official
    /// training split, before `limit`): never trained on, evaluated by `pick`. `.auto`: the
    /// dataset's default (`DatasetCatalog.defaultValidationImages`); `train` records the count.
    public var validation = ValidationSplitSize.auto
    /// Use only the first `limit` training images (after the held-out split) and test images.
    public var limit: Int?
    public var epochs = 15
    public var batch = 128
    public var seed: UInt64 = 0
    public var optimizer = OptimizerKind.sgd
    /// Peak learning rate of the cosine schedule.
    public var learningRate: Float = 0.1
    /// SGD momentum (AdamW ignores it).
    public var momentum: Float = 0.9
    /// Weight decay of conv/linear weights.
    public var weightDecay: Float = 5e-4
    /// Epochs of linear warm-up.
    public var warmupEpochs = 1
    public var labelSmoothing: Float = 0
    /// Decay of the weight average that is evaluated and deployed (`WeightAverage`); 0 is off.
    public var weightAverage: Float = 0
    /// Random-crop padding in pixels (0 disables) and horizontal flips.
    public var cropPadding = 2
    public var flip = true
    /// ViT shape: patch size, width, depth, heads.
    public var patch = 4, dim = 64, depth = 4, heads = 4

    /// Bit-widths trained (float among them when `includesFloat`); nil trains a float model.
    @BitWidthsAsText public var bits: BitWidthSet? = nil
    /// Bit-widths evaluated each epoch (nil: 2...8 and the trained widths, see `deployedBits()`).
    @BitWidthsAsText public var deployBits: BitWidthSet? = nil
    /// Quantizer options: weight bias correction form and statistics, LSQ step-gradient scale.
    public var quantizer = QuantizerOptions()
    /// Quantize the stem and classifier like the other layers instead of at 8 bits.
    public var quantizeFirstLast = false
    /// Bit-wise coreset sampling (nil: every precision sees all the data each epoch).
    public var coreset: CoresetConfig?
    /// Weight α of in-place distillation: each lower precision's loss is `CE + α·KL(teacher ‖ student)`,
    /// the teacher being the highest trained precision on the same batch (0: off).
    public var distillation: Float = 0
    /// BatchNorm across bit-widths: shared (the method) or switchable (an ablation).
    public var batchNorm = BatchNormMode.shared
    /// How a quantized ResNet carries its residual stream (`ResidualPath`): quantized, so the
    /// exported integer model is the trained one, by default as an 8-bit stream (at the activation
    /// width the shared BatchNorm lost 15 points at 2 bits on the demo recipe; 8 bits kept the
    /// float stream's accuracy: docs/training.md, "Residual path"), or float. A ViT and a float
    /// model ignore it.
    public var residual = ResidualPath.bits(8)
    /// One-shot mixed precision (RFQuant, docs/one-shot.md): every step trains the max subnet
    /// (every layer at the highest of `bits`), then `subnets` random mixed subnets whose layers
    /// draw their (weight, activation) widths from `bits`, each learning the max subnet's outputs
    /// with weight `distillation`; their gradients add up to one update.
    public var oneShot = false
    /// Random mixed subnets per one-shot step.
    public var subnets = 3
    /// How a one-shot subnet draws its widths: uniform or HASB.
    public var bitSampling = BitSampling.uniform
    /// HASB's σ: the share of layers that draw from their roulette grows linearly to it over the run.
    public var hasbSigma: Float = 0.5
    /// Training images of HASB's Hutchinson estimate of each layer's Hessian trace.
    public var hasbImages = 1000
    /// The bit-width scheduler of one-shot training (`BitWidthScheduler`).
    public var bitScheduler = false
    /// Fairness weight regularisation of one-shot training (`FairnessRegularization`).
    public var fairnessRegularization = false
    /// Weight of one-shot information distortion mitigation (`InformationDistortionMitigation`);
    /// 0 is off.
    public var idm: Float = 0
    /// Final weight λ of one-shot training's late quantization-error loss (`QuantizationErrorLoss`);
    /// 0 is off.
    public var quantizationError: Float = 0

    public init() {}

    /// Fields missing from checkpoints of earlier versions take their defaults, except `validation`,
    /// which is then `.images(0)`: those runs held nothing out, and `residual`, which is then
    /// `.float`: those runs kept the residual stream float. (One `read` per
    /// key: synthesized decoding cannot see a property's declared default, and the round-trip
    /// test fails for a field that is not read here.)
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ field: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { field = v }
        }
        func read<T: Decodable>(_ key: CodingKeys, _ field: inout T?) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { field = v }
        }
        try read(.model, &model); try read(.width, &width); try read(.dataset, &dataset)
        try read(.dataDir, &dataDir); try read(.limit, &limit)
        // Checkpoints from before the held-out split trained on every training image.
        validation = .images(0); try read(.validation, &validation)
        try read(.epochs, &epochs); try read(.batch, &batch); try read(.seed, &seed)
        try read(.optimizer, &optimizer); try read(.learningRate, &learningRate); try read(.momentum, &momentum)
        try read(.weightDecay, &weightDecay); try read(.warmupEpochs, &warmupEpochs)
        try read(.weightAverage, &weightAverage)
        try read(.labelSmoothing, &labelSmoothing); try read(.cropPadding, &cropPadding); try read(.flip, &flip)
        try read(.patch, &patch); try read(.dim, &dim); try read(.depth, &depth); try read(.heads, &heads)
        try read(.bits, &_bits); try read(.deployBits, &_deployBits)
        try read(.quantizer, &quantizer); try read(.quantizeFirstLast, &quantizeFirstLast)
        try read(.coreset, &coreset)
        try read(.distillation, &distillation); try read(.batchNorm, &batchNorm)
        // Checkpoints from before the quantized residual path kept the residual stream float.
        residual = .float; try read(.residual, &residual)
        try read(.oneShot, &oneShot); try read(.subnets, &subnets); try read(.bitSampling, &bitSampling)
        try read(.hasbSigma, &hasbSigma); try read(.hasbImages, &hasbImages); try read(.bitScheduler, &bitScheduler)
        try read(.fairnessRegularization, &fairnessRegularization); try read(.idm, &idm)
        try read(.quantizationError, &quantizationError)
    }

    /// The trained bit-widths, or nil for float training.
    public func trainedBits() -> BitWidthSet? { bits }

    /// The bit-widths evaluated after each epoch: `deployBits`, by default 2...8 and the trained
    /// widths (float alone for a float model).
    public func deployedBits() -> BitWidthSet {
        if let deployBits { return deployBits }
        guard let trained = bits else { return BitWidthSet(bits: [], includesFloat: true) }
        return BitWidthSet(bits: Array(2...8) + trained.bits, includesFloat: trained.includesFloat)
    }

    /// The recipe with `epochs` cleared and the deployed widths written out: two recipes that
    /// train the same run compare equal (e.g. deploy bits omitted and 2-8).
    public func trainingIdentity() -> TrainingRecipe {
        var r = self
        r.epochs = 0
        r.deployBits = deployedBits()
        return r
    }

    /// ResNet depth when `model` is a ResNet of a valid depth.
    public var resnetDepth: Int? {
        guard case .resnet(let depth) = model, model.isValid else { return nil }
        return depth
    }
}
