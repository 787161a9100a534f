import PolybitTrain

/// The command line's name for each recipe field: the one table that maps a library error's
/// field (`RecipeError.field` and the fields its message mentions) to a flag. A Boolean field's
/// flag is the one that turns its default around (`--no-flip`, `--alrs`).
extension RecipeField {
    public var flag: String {
        switch self {
        case .model: "--model"
        case .width: "--width"
        case .dataset: "--dataset"
        case .dataDir: "--data-dir"
        case .validation: "--validation"
        case .limit: "--limit"
        case .epochs: "--epochs"
        case .batch: "--batch"
        case .seed: "--seed"
        case .optimizer: "--optimizer"
        case .learningRate: "--lr"
        case .momentum: "--momentum"
        case .weightDecay: "--weight-decay"
        case .warmupEpochs: "--warmup-epochs"
        case .labelSmoothing: "--label-smoothing"
        case .weightAverage: "--weight-ema"
        case .cropPadding: "--crop-padding"
        case .flip: "--no-flip"
        case .patch: "--patch"
        case .dim: "--dim"
        case .depth: "--depth"
        case .heads: "--heads"
        case .bits: "--bits"
        case .deployBits: "--deploy-bits"
        case .biasCorrection: "--bias-correction"
        case .correctionStatistics: "--correction-statistics"
        case .weightStep: "--weight-step"
        case .stepGradientScale: "--no-step-gradient-scale"
        case .weightRounding: "--weight-rounding"
        case .alrs: "--alrs"
        case .quantizeFirstLast: "--quantize-first-last"
        case .distillation: "--distill"
        case .batchNorm: "--bn"
        case .residual: "--residual"
        case .oneShot: "--one-shot"
        case .subnets: "--subnets"
        case .bitSampling: "--bit-sampling"
        case .hasbSigma: "--hasb-sigma"
        case .hasbImages: "--hasb-images"
        case .bitScheduler: "--bit-scheduler"
        case .fairnessRegularization: "--fairness-regularization"
        case .idm: "--idm"
        case .quantizationError: "--quantization-error"
        case .coresetFraction: "--coreset"
        case .coresetRedrawEpochs: "--redraw"
        case .coresetWarmupEpochs: "--coreset-warmup"
        case .coresetScore: "--coreset-score"
        case .coresetSelection: "--coreset-selection"
        case .coresetHardCut: "--coreset-hard-cut"
        case .coresetShared: "--coreset-shared"
        case .coresetCandidatePool: "--coreset-pool"
        case .coresetStatisticsRefreshBatches: "--coreset-bn-refresh"
        case .coresetClassBalanced: "--no-class-balance"
        case .coresetOverlap: "--coreset-overlap"
        }
    }
}

extension RecipeError {
    /// The error as the command line prints it: every field named by its flag.
    var commandLineDescription: String { description(naming: \.flag) }
}
