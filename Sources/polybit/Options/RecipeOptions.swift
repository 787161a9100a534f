import ArgumentParser
import PolybitData
import PolybitQuant
import PolybitTensor
import PolybitTrain

/// `text [default: value]`, the value as the command line spells it.
private func help<T: ExpressibleByArgument>(_ text: String, _ value: T, valueName: String? = nil) -> ArgumentHelp {
    ArgumentHelp("\(text) [default: \(value.defaultValueDescription)]", valueName: valueName)
}

/// Recipe defaults shown in help: the recipe's own, and those of a coreset once one is asked for.
private let recipeDefaults = TrainingRecipe(), coresetDefaults = CoresetConfig(fraction: 1)

/// One option per `TrainingRecipe` field (`RecipeField.flag` names it), shared by `train` and
/// `experiment cost`. Every option is optional so that a flag not given keeps the base recipe's
/// value (the defaults, a checkpoint's recipe on `--resume`, or an experiment's base).
public struct RecipeOptions: ParsableArguments {
    public init() {}

    @Option(help: help("resnet20, resnet32, resnet56 (any resnet 6n+2) or vit.", recipeDefaults.model)) var model:
        ModelArchitecture?
    @Option(help: help("Channel multiplier of ResNet stages.", recipeDefaults.width)) var width: Int?
    @Option(help: help("fashion-mnist, mnist, cifar10, cifar100, synthetic or hdf5.", recipeDefaults.dataset))
    var dataset: String?
    @Option(
        help:
            "Where the dataset's files are (the HDF5 file for hdf5). [default: none; fashion-mnist has a standard place]"
    )
    var dataDir: String?
    @Option(
        help: help(
            "Training images held out for validation: the last N of the dataset's training split, taken before --limit; never trained on, used by pick. auto: 5000 for fashion-mnist, mnist, cifar10 and cifar100, 1000 for synthetic, a tenth of an hdf5 file's; 0: none.",
            recipeDefaults.validation, valueName: "N|auto"))
    var validation: ValidationSplitSize?
    @Option(help: "Use only the first N training images (after the held-out split) and test images. [default: all]")
    var limit: Int?
    @Option(help: help("Epochs.", recipeDefaults.epochs)) var epochs: Int?
    @Option(help: help("Batch size.", recipeDefaults.batch)) var batch: Int?
    @Option(help: help("Seed of initialization, data order and augmentation.", recipeDefaults.seed)) var seed: UInt64?
    @Option(help: help("sgd (Nesterov momentum) or adamw.", recipeDefaults.optimizer)) var optimizer: OptimizerKind?
    @Option(name: .customLong("lr"), help: help("Peak learning rate (cosine schedule).", recipeDefaults.learningRate))
    var learningRate: Float?
    @Option(help: help("SGD momentum.", recipeDefaults.momentum)) var momentum: Float?
    @Option(help: help("Weight decay of conv/linear weights.", recipeDefaults.weightDecay)) var weightDecay: Float?
    @Option(help: help("Epochs of linear warm-up.", recipeDefaults.warmupEpochs)) var warmupEpochs: Int?
    @Option(help: help("Label smoothing.", recipeDefaults.labelSmoothing)) var labelSmoothing: Float?
    @Option(
        name: .customLong("weight-ema"),
        help: help(
            "Decay of an exponential moving average of the weights, the model evaluated and deployed (0: off; RFQuant uses 0.9997).",
            recipeDefaults.weightAverage))
    var weightAverage: Float?
    @Option(help: help("Random-crop padding in pixels (0: none).", recipeDefaults.cropPadding)) var cropPadding: Int?
    @Flag(help: "No horizontal flips (flips are on by default).") var noFlip = false
    @Option(help: help("ViT patch size.", recipeDefaults.patch)) var patch: Int?
    @Option(help: help("ViT width.", recipeDefaults.dim)) var dim: Int?
    @Option(help: help("ViT depth.", recipeDefaults.depth)) var depth: Int?
    @Option(help: help("ViT heads.", recipeDefaults.heads)) var heads: Int?
    @Option(help: "Bit-widths to train, e.g. 2,4,8 or 2-8; add 32 for float. [default: none, a float model]") var bits:
        String?
    @Option(
        help: "Bit-widths to evaluate each epoch. [default: 2-8 and the trained widths (with 32 when float is trained)]"
    )
    var deployBits: String?
    @OptionGroup var quantizer: QuantizerArguments
    @OptionGroup var coresetOptions: CoresetArguments
    @OptionGroup var oneShotOptions: OneShotArguments

    /// `base` with every given flag applied; a bit-width list that does not parse is an `InputError`
    /// naming its flag, coreset settings without a coreset are one too.
    public func apply(to base: TrainingRecipe) throws -> TrainingRecipe {
        var r = base
        if let model { r.model = model }
        if let width { r.width = width }
        if let dataset { r.dataset = dataset }
        if let dataDir { r.dataDir = dataDir }
        if let validation { r.validation = validation }
        if let limit { r.limit = limit }
        if let epochs { r.epochs = epochs }
        if let batch { r.batch = batch }
        if let seed { r.seed = seed }
        if let optimizer { r.optimizer = optimizer }
        if let learningRate { r.learningRate = learningRate }
        if let momentum { r.momentum = momentum }
        if let weightDecay { r.weightDecay = weightDecay }
        if let warmupEpochs { r.warmupEpochs = warmupEpochs }
        if let labelSmoothing { r.labelSmoothing = labelSmoothing }
        if let weightAverage { r.weightAverage = weightAverage }
        if let cropPadding { r.cropPadding = cropPadding }
        if noFlip { r.flip = false }
        if let patch { r.patch = patch }
        if let dim { r.dim = dim }
        if let depth { r.depth = depth }
        if let heads { r.heads = heads }
        if let bits { r.bits = try BitWidthSet(parsing: bits, flag: RecipeField.bits.flag) }
        if let deployBits { r.deployBits = try BitWidthSet(parsing: deployBits, flag: RecipeField.deployBits.flag) }
        try quantizer.apply(to: &r)
        try coresetOptions.apply(to: &r)
        oneShotOptions.apply(to: &r, distillGiven: quantizer.distill != nil)
        return r
    }
}

/// The recipe's quantizer fields, plus `--no-bias-correction` (short for `--bias-correction off`).
struct QuantizerArguments: ParsableArguments {
    @Option(help: help("Weight bias correction: paper, exact or off.", recipeDefaults.quantizer.biasCorrection))
    var biasCorrection: BiasCorrection?
    @Flag(help: "Same as --bias-correction off.") var noBiasCorrection = false
    @Option(
        help: help(
            "Bias-correction statistics per output channel or per tensor: channel or tensor.",
            recipeDefaults.quantizer.correctionStatistics))
    var correctionStatistics: CorrectionStatistics?
    @Option(
        help: help(
            "Weight steps: statistics (Gaussian-optimal clipping of the latent weights) or learned (LSQ; only with --bias-correction off).",
            recipeDefaults.quantizer.weightStep))
    var weightStep: WeightStepRule?
    @Option(
        help: help(
            "Weight integers of lower bit-widths: direct (each width rounds the latent weights) or double / double-floor (Double Rounding: a rounding / floor shift of the highest width's integers, so only those need storing).",
            recipeDefaults.quantizer.weightRounding))
    var weightRounding: WeightRounding?
    @Flag(
        help:
            "ALRS: quantizer step sizes at bit-width b learn at 10^(-Δ/2) (even Δ) or 5·10^(-(Δ+1)/2) (odd Δ) times the learning rate, Δ = highest trained width − b."
    )
    var alrs = false
    @Flag(help: "Quantize the stem and classifier like the other layers (default: 8 bits).") var quantizeFirstLast =
        false
    @Flag(help: "Turn off LSQ's step-gradient scale 1/sqrt(N·Qp).") var noStepGradientScale = false
    @Option(
        help: help(
            "In-place distillation: lower bit-widths also learn the highest trained bit-width's outputs on their batch, loss CE + α·KL (costs one extra forward each).",
            recipeDefaults.distillation, valueName: "α"))
    var distill: Float?
    @Option(
        help: help(
            "BatchNorm across bit-widths: shared (the method) or switchable (ablation: gamma, beta and running statistics per trained bit-width; an untrained width uses the nearest trained width's, ties to the higher).",
            recipeDefaults.batchNorm))
    var bn: BatchNormMode?
    @Option(
        help: help(
            "Residual stream of a quantized ResNet, quantized so that the exported integer model is the trained one: a bit count N, 2-16 (block outputs and the add's terms at max(N, activation bits); 8 kept float's accuracy on the demo recipe), or activation (all at the activation width; the shared BatchNorm lost 15 points at 2 bits there), or float (kept in float, as runs before this option). A ViT and a float model ignore it. Checkpoints without it are float.",
            recipeDefaults.residual, valueName: "float|activation|N"))
    var residual: ResidualPath?

    func apply(to r: inout TrainingRecipe) throws {
        if noBiasCorrection { r.quantizer.biasCorrection = .off }
        if let biasCorrection { r.quantizer.biasCorrection = biasCorrection }
        if let correctionStatistics { r.quantizer.correctionStatistics = correctionStatistics }
        if let weightStep { r.quantizer.weightStep = weightStep }
        if let weightRounding { r.quantizer.weightRounding = weightRounding }
        if alrs { r.quantizer.alrs = true }
        if quantizeFirstLast { r.quantizeFirstLast = true }
        if noStepGradientScale { r.quantizer.stepGradientScale = false }
        if let distill { r.distillation = distill }
        if let bn { r.batchNorm = bn }
        if let residual { r.residual = residual }
    }
}

/// The recipe's bit-wise coreset fields; all but `--coreset` need a coreset (given, or in the base).
struct CoresetArguments: ParsableArguments {
    @Option(
        help:
            "Bit-wise coreset: the fraction of the training set each precision keeps, e.g. 0.2 (pruning rate 0.8). [default: none, all data]"
    )
    var coreset: Double?
    @Option(help: help("Redraw the coresets every R epochs.", coresetDefaults.redrawEpochs)) var redraw: Int?
    @Option(help: help("Full-data epochs before the first coreset.", coresetDefaults.warmupEpochs)) var coresetWarmup:
        Int?
    @Option(
        help: help("Coreset ranking: el2n (gradient-based, per precision) or random (baseline).", coresetDefaults.score)
    )
    var coresetScore: CoresetConfig.Score?
    @Option(
        help: help(
            "Coreset selection: stratified (coverage-centric: drop the hardest --coreset-hard-cut share, then draw evenly across score strata) or top (the highest scores, as in EMQ; far worse at high pruning rates, see docs/results-coreset.md).",
            coresetDefaults.selection))
    var coresetSelection: CoresetSelection.Rule?
    @Option(
        help: help(
            "With --coreset-selection stratified: the share of highest scores dropped first.", coresetDefaults.hardCut))
    var coresetHardCut: Double?
    @Flag(help: "One coreset (the highest precision's) for every precision (baseline).") var coresetShared = false
    @Option(
        help:
            "Score only a random candidate pool of K times the subset size per class at each redraw, and select from it (K >= 1; cheaper scoring). [default: score every image]"
    )
    var coresetPool: Double?
    @Option(
        help: help(
            "After each subset epoch, refresh the BatchNorm running statistics: N random training batches at the trained precisions continue training's moving average, so they reflect all the data, not the subsets (0: off).",
            coresetDefaults.statisticsRefreshBatches))
    var coresetBnRefresh: Int?
    @Flag(help: "Rank the whole set instead of keeping each class's share.") var noClassBalance = false
    @Option(
        help: help(
            "How the widths' subsets of a redraw may overlap: free (each width picks alone), disjoint (widths pick in turn from the images no other width took, each by its own scores; first pick rotates per redraw) or fresh (disjoint, preferring images outside the previous redraw's subsets).",
            coresetDefaults.overlap))
    var coresetOverlap: CoresetConfig.Overlap?

    func apply(to r: inout TrainingRecipe) throws {
        if let coreset { r.coreset = CoresetConfig(fraction: coreset) }
        let given =
            redraw != nil || coresetWarmup != nil || coresetScore != nil || coresetSelection != nil
            || coresetHardCut != nil || coresetShared || coresetPool != nil || coresetBnRefresh != nil || noClassBalance
            || coresetOverlap != nil
        guard var c = r.coreset else {
            guard !given else {
                let flags = RecipeField.coresetOptions.map(\.flag)
                throw InputError(
                    "\(flags.dropLast().joined(separator: ", ")) and \(flags.last!) need \(RecipeField.coresetFraction.flag)"
                )
            }
            return
        }
        if let redraw { c.redrawEpochs = redraw }
        if let coresetWarmup { c.warmupEpochs = coresetWarmup }
        if let coresetScore { c.score = coresetScore }
        if let coresetSelection { c.selection = coresetSelection }
        if let coresetHardCut { try c.setHardCut(coresetHardCut) }
        if coresetShared { c.shared = true }
        if let coresetPool { c.candidatePool = coresetPool }
        if let coresetBnRefresh { c.statisticsRefreshBatches = coresetBnRefresh }
        if noClassBalance { c.classBalanced = false }
        if let coresetOverlap { try c.setOverlap(coresetOverlap) }
        r.coreset = c
    }
}
