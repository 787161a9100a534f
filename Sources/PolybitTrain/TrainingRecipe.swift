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
public struct TrainingRecipe: Codable, Equatable, Sendable {
    /// `resnet20`, `resnet32`, `resnet56` (any 6n+2) or `vit`.
    public var model = "resnet20"
    /// Channel multiplier of ResNet stages.
    public var width = 1
    /// Dataset name (see `DatasetCatalog.names`) and optional location.
    public var dataset = "fashion-mnist"
    public var dataDir: String?
    /// Use only the first `limit` training and test images.
    public var limit: Int?
    public var epochs = 15
    public var batch = 128
    public var seed: UInt64 = 0
    /// `sgd` (Nesterov momentum) or `adamw`.
    public var optimizer = "sgd"
    /// Peak learning rate of the cosine schedule.
    public var learningRate: Float = 0.1
    public var momentum: Float = 0.9
    public var weightDecay: Float = 5e-4
    /// Epochs of linear warm-up.
    public var warmupEpochs = 1
    public var labelSmoothing: Float = 0
    /// Random-crop padding in pixels (0 disables) and horizontal flips.
    public var cropPadding = 2
    public var flip = true
    /// ViT shape: patch size, width, depth, heads.
    public var patch = 4, dim = 64, depth = 4, heads = 4

    /// Bit-widths trained (e.g. "2,4,8" or "2,4,8,32" with float); nil trains a float model.
    public var bits: String?
    /// Bit-widths evaluated each epoch (default "2-8", plus float when it is trained).
    public var deployBits: String?
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

    public init() {}

    /// Fields missing from checkpoints of earlier versions take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var r = TrainingRecipe()
        func read<T: Decodable>(_ key: CodingKeys, _ field: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { field = v }
        }
        try read(.model, &r.model); try read(.width, &r.width); try read(.dataset, &r.dataset)
        r.dataDir = try c.decodeIfPresent(String.self, forKey: .dataDir)
        r.limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        try read(.epochs, &r.epochs); try read(.batch, &r.batch); try read(.seed, &r.seed)
        try read(.optimizer, &r.optimizer); try read(.learningRate, &r.learningRate); try read(.momentum, &r.momentum)
        try read(.weightDecay, &r.weightDecay); try read(.warmupEpochs, &r.warmupEpochs)
        try read(.labelSmoothing, &r.labelSmoothing); try read(.cropPadding, &r.cropPadding); try read(.flip, &r.flip)
        try read(.patch, &r.patch); try read(.dim, &r.dim); try read(.depth, &r.depth); try read(.heads, &r.heads)
        r.bits = try c.decodeIfPresent(String.self, forKey: .bits)
        r.deployBits = try c.decodeIfPresent(String.self, forKey: .deployBits)
        try read(.quantizer, &r.quantizer); try read(.quantizeFirstLast, &r.quantizeFirstLast)
        r.coreset = try c.decodeIfPresent(CoresetConfig.self, forKey: .coreset)
        try read(.distillation, &r.distillation); try read(.batchNorm, &r.batchNorm)
        self = r
    }

    /// The trained bit-widths, or nil for float training.
    public func trainedBits() throws -> BitWidthSet? {
        try bits.map { try BitWidthSet(parsing: $0, flag: "--bits") }
    }

    /// The bit-widths evaluated after each epoch.
    public func deployedBits() throws -> BitWidthSet {
        if let deployBits { return try BitWidthSet(parsing: deployBits, flag: "--deploy-bits") }
        guard let trained = try trainedBits() else { return BitWidthSet(bits: [], includesFloat: true) }
        return BitWidthSet(bits: Array(2...8) + trained.bits, includesFloat: trained.includesFloat)
    }

    /// The recipe with `epochs` cleared and both bit-width sets written in one canonical form: two
    /// recipes that train the same run compare equal (e.g. deploy bits omitted and "2-8").
    public func trainingIdentity() throws -> TrainingRecipe {
        var r = self
        r.epochs = 0
        r.bits = try trainedBits()?.description
        r.deployBits = try deployedBits().description
        return r
    }

    /// ResNet depth when `model` is `resnetN`.
    public var resnetDepth: Int? {
        guard model.hasPrefix("resnet"), let d = Int(model.dropFirst(6)), d >= 8, (d - 2) % 6 == 0 else { return nil }
        return d
    }

    /// Checks every field; throws a `BadInput` naming the flag and what was expected.
    public func validate() throws {
        guard resnetDepth != nil || model == "vit" else {
            throw InputError("--model \(model): expected resnet20, resnet32, resnet56 (any resnet 6n+2) or vit")
        }
        guard epochs > 0 else { throw InputError("--epochs \(epochs): expected a positive number") }
        guard batch > 0 else { throw InputError("--batch \(batch): expected a positive number") }
        guard width > 0 else { throw InputError("--width \(width): expected a positive number") }
        guard ["sgd", "adamw"].contains(optimizer) else {
            throw InputError("--optimizer \(optimizer): expected sgd or adamw")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw InputError("--lr \(learningRate): expected a positive number")
        }
        guard (0..<1).contains(labelSmoothing) else {
            throw InputError("--label-smoothing \(labelSmoothing): expected a value in [0, 1)")
        }
        if let trained = try trainedBits() {
            let deployed = try deployedBits()
            guard !trained.bits.isEmpty else {
                throw InputError("--bits \(bits!): name at least one quantized bit-width (32 alone is float training; omit --bits)")
            }
            guard deployed.includesFloat || !deployed.bits.isEmpty else {
                throw InputError("--deploy-bits: no bit-widths given")
            }
            guard distillation == 0 || (distillation > 0 && distillation.isFinite && trained.precisionsHighestFirst.count > 1) else {
                throw InputError("--distill \(distillation): expected a positive weight, and at least two trained bit-widths (the highest teaches the others)")
            }
            if quantizer.weightStep == .learned && quantizer.biasCorrection != .off {
                throw InputError("--weight-step learned needs --bias-correction off: the correction undoes any change of a learned step, whose gradient then drives it to zero")
            }
            if batchNorm == .switchable && resnetDepth == nil {
                throw InputError("--bn switchable: \(model) has no BatchNorm (it uses LayerNorm); use a resnet")
            }
        } else if quantizer.weightRounding != .direct || quantizer.alrs {
            throw InputError("--weight-rounding and --alrs need --bits (a float model has no quantizers)")
        } else if deployBits != nil {
            throw InputError("--deploy-bits needs --bits (a float model has no bit-widths to deploy)")
        } else if batchNorm == .switchable {
            throw InputError("--bn switchable needs --bits: a float model runs at one precision, so it has one BatchNorm")
        } else if distillation != 0 {
            throw InputError("--distill needs --bits with at least two bit-widths (the highest teaches the others)")
        }
        try coreset?.validate()
        guard cropPadding >= 0, warmupEpochs >= 0 else {
            throw InputError("--crop-padding and --warmup-epochs must not be negative")
        }
    }
}
