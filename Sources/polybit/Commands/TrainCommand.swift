import ArgumentParser
import Foundation
import PolybitData
import PolybitQuant
import PolybitTensor
import PolybitTrain

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network; writes RUN_DIR/checkpoint.h5 (each epoch, atomically) and RUN_DIR/log.jsonl.",
        discussion: """
            Defaults reproduce the README's Fashion-MNIST ResNet-20 run. With --resume the recipe is read from \
            the checkpoint: flags need not be repeated, and only --epochs may differ.
            """)

    @Option(help: "resnet20, resnet32, resnet56 (any resnet 6n+2) or vit. [default: resnet20]") var model: String?
    @Option(help: "Channel multiplier of ResNet stages. [default: 1]") var width: Int?
    @Option(help: "fashion-mnist, mnist, cifar10, cifar100, synthetic or hdf5. [default: fashion-mnist]") var dataset: String?
    @Option(help: "Where the dataset's files are (the HDF5 file for hdf5).") var dataDir: String?
    @Option(help: "Use only the first N training and test images.") var limit: Int?
    @Option(help: "Epochs. [default: 15]") var epochs: Int?
    @Option(help: "Batch size. [default: 128]") var batch: Int?
    @Option(help: "Seed of initialization, data order and augmentation. [default: 0]") var seed: UInt64?
    @Option(help: "sgd (Nesterov momentum) or adamw. [default: sgd]") var optimizer: String?
    @Option(name: .customLong("lr"), help: "Peak learning rate (cosine schedule). [default: 0.1]") var learningRate: Float?
    @Option(help: "Weight decay of conv/linear weights. [default: 5e-4]") var weightDecay: Float?
    @Option(help: "Epochs of linear warm-up. [default: 1]") var warmupEpochs: Int?
    @Option(help: "Label smoothing. [default: 0]") var labelSmoothing: Float?
    @Option(help: "Random-crop padding in pixels (0: none). [default: 2]") var cropPadding: Int?
    @Flag(help: "No horizontal flips.") var noFlip = false
    @Option(help: "ViT patch size. [default: 4]") var patch: Int?
    @Option(help: "ViT width. [default: 64]") var dim: Int?
    @Option(help: "ViT depth. [default: 4]") var depth: Int?
    @Option(help: "ViT heads. [default: 4]") var heads: Int?
    @Option(help: "Bit-widths to train, e.g. 2,4,8 or 2-8; add 32 for float. Omit for a float model.") var bits: String?
    @Option(help: "Bit-widths to evaluate each epoch. [default: 2-8, plus 32 when float is trained]") var deployBits: String?
    @Option(help: "Weight bias correction: paper, exact or off. [default: paper]") var biasCorrection: String?
    @Flag(help: "Same as --bias-correction off.") var noBiasCorrection = false
    @Option(help: "Bias-correction statistics per output channel or per tensor: channel or tensor. [default: channel]")
    var correctionStatistics: String?
    @Option(help: "Weight steps: statistics (Gaussian-optimal clipping of the latent weights) or learned (LSQ; only with --bias-correction off). [default: statistics]")
    var weightStep: String?
    @Option(help: "Weight integers of lower bit-widths: direct (each width rounds the latent weights) or double / double-floor (Double Rounding: a rounding / floor shift of the highest width's integers, so only those need storing). [default: direct]")
    var weightRounding: String?
    @Flag(help: "ALRS: quantizer step sizes at bit-width b learn at 10^(-Δ/2) (even Δ) or 5·10^(-(Δ+1)/2) (odd Δ) times the learning rate, Δ = highest trained width − b.")
    var alrs = false
    @Flag(help: "Quantize the stem and classifier like the other layers (default: 8 bits).") var quantizeFirstLast = false
    @Flag(help: "Turn off LSQ's step-gradient scale 1/sqrt(N·Qp).") var noStepGradientScale = false
    @Option(help: ArgumentHelp("In-place distillation: lower bit-widths also learn the highest trained bit-width's outputs on their batch, loss CE + α·KL (costs one extra forward each).", valueName: "α"))
    var distill: Float?
    @Option(help: "BatchNorm across bit-widths: shared (the method) or switchable (ablation: gamma, beta and running statistics per trained bit-width; an untrained width uses the nearest trained width's, ties to the higher). [default: shared]")
    var bn: String?
    @Option(help: "Bit-wise coreset: the fraction of the training set each precision keeps, e.g. 0.2 (pruning rate 0.8).")
    var coreset: Double?
    @Option(help: "Redraw the coresets every R epochs. [default: 2]") var redraw: Int?
    @Option(help: "Full-data epochs before the first coreset. [default: 1]") var coresetWarmup: Int?
    @Option(help: "Coreset ranking: el2n (gradient-based, per precision) or random (baseline). [default: el2n]")
    var coresetScore: String?
    @Option(help: "Coreset selection: stratified (coverage-centric: drop the hardest --coreset-hard-cut share, then draw evenly across score strata) or top (the highest scores, as in EMQ; far worse at high pruning rates, see the README). [default: stratified]")
    var coresetSelection: String?
    @Option(help: "With --coreset-selection stratified: the share of highest scores dropped first. [default: 0.1]")
    var coresetHardCut: Double?
    @Flag(help: "One coreset (the highest precision's) for every precision (baseline).") var coresetShared = false
    @Option(help: "Score only a random candidate pool of K times the subset size per class at each redraw, and select from it (K >= 1; cheaper scoring). [default: score every image]")
    var coresetPool: Double?
    @Option(help: "After each subset epoch, refresh the BatchNorm running statistics: N random training batches at the trained precisions continue training's moving average, so they reflect all the data, not the subsets (0: off). [default: 20]")
    var coresetBnRefresh: Int?
    @Flag(help: "Rank the whole set instead of keeping each class's share.") var noClassBalance = false
    @Option(help: "Threads (results repeat exactly at a fixed thread count).") var threads = System.activeProcessorCount
    @Option(help: "Run folder.") var out: String
    @Flag(help: "Continue from RUN_DIR/checkpoint.h5.") var resume = false
    @Flag(help: "The dedicated baseline: one model per deploy bit-width (RUN_DIR/dedicated-<b>bit), same recipe.")
    var dedicated = false
    @Flag(help: "Print the summary as one JSON object.") var json = false

    /// The recipe: defaults, or the checkpoint's when resuming, overridden by the flags given.
    func recipe() throws -> TrainingRecipe {
        let checkpoint = out + "/checkpoint.h5"
        var r = TrainingRecipe()
        if resume && FileManager.default.fileExists(atPath: checkpoint) {
            r = try Checkpoint.read(from: checkpoint).recipe
        }
        if let model { r.model = model }
        if let width { r.width = width }
        if let dataset { r.dataset = dataset }
        if let dataDir { r.dataDir = dataDir }
        if let limit { r.limit = limit }
        if let epochs { r.epochs = epochs }
        if let batch { r.batch = batch }
        if let seed { r.seed = seed }
        if let optimizer { r.optimizer = optimizer }
        if let learningRate { r.learningRate = learningRate }
        if let weightDecay { r.weightDecay = weightDecay }
        if let warmupEpochs { r.warmupEpochs = warmupEpochs }
        if let labelSmoothing { r.labelSmoothing = labelSmoothing }
        if let cropPadding { r.cropPadding = cropPadding }
        if noFlip { r.flip = false }
        if let patch { r.patch = patch }
        if let dim { r.dim = dim }
        if let depth { r.depth = depth }
        if let heads { r.heads = heads }
        if let bits { r.bits = bits }
        if let deployBits { r.deployBits = deployBits }
        if noBiasCorrection { r.quantizer.biasCorrection = .off }
        if let biasCorrection {
            guard let form = BiasCorrection(rawValue: biasCorrection) else {
                throw InputError("--bias-correction \(biasCorrection): expected paper, exact or off")
            }
            r.quantizer.biasCorrection = form
        }
        if let correctionStatistics {
            guard let stats = CorrectionStatistics(rawValue: correctionStatistics) else {
                throw InputError("--correction-statistics \(correctionStatistics): expected channel or tensor")
            }
            r.quantizer.correctionStatistics = stats
        }
        if let weightStep {
            guard let rule = WeightStepRule(rawValue: weightStep) else {
                throw InputError("--weight-step \(weightStep): expected statistics or learned")
            }
            r.quantizer.weightStep = rule
        }
        if let weightRounding { r.quantizer.weightRounding = try WeightRounding(flag: weightRounding) }
        if alrs { r.quantizer.alrs = true }
        if quantizeFirstLast { r.quantizeFirstLast = true }
        if noStepGradientScale { r.quantizer.stepGradientScale = false }
        if let distill { r.distillation = distill }
        if let bn {
            guard let mode = BatchNormMode(rawValue: bn) else {
                throw InputError("--bn \(bn): expected shared or switchable")
            }
            r.batchNorm = mode
        }
        if let coreset { r.coreset = CoresetConfig(fraction: coreset) }
        if redraw != nil || coresetWarmup != nil || coresetScore != nil || coresetSelection != nil || coresetHardCut != nil
            || coresetShared || noClassBalance || coresetPool != nil || coresetBnRefresh != nil {
            guard r.coreset != nil else {
                throw InputError("--redraw, --coreset-warmup, --coreset-score, --coreset-selection, --coreset-hard-cut, --coreset-shared, --coreset-pool, --coreset-bn-refresh and --no-class-balance need --coreset")
            }
        }
        if let redraw { r.coreset?.redrawEpochs = redraw }
        if let coresetWarmup { r.coreset?.warmupEpochs = coresetWarmup }
        if let coresetScore {
            guard let score = CoresetConfig.Score(rawValue: coresetScore) else {
                throw InputError("--coreset-score \(coresetScore): expected el2n or random")
            }
            r.coreset?.score = score
        }
        if let coresetSelection { r.coreset?.selection = try CoresetSelection.Rule(flag: coresetSelection) }
        if let coresetHardCut { try r.coreset?.setHardCut(coresetHardCut) }
        if coresetShared { r.coreset?.shared = true }
        if let coresetPool { r.coreset?.candidatePool = coresetPool }
        if let coresetBnRefresh { r.coreset?.statisticsRefreshBatches = coresetBnRefresh }
        if noClassBalance { r.coreset?.classBalanced = false }
        return r
    }

    func run() throws {
        guard threads > 0 else { throw InputError("--threads \(threads): expected a positive number") }
        Compute.configure(threads: threads)
        let recipe = try recipe()
        try recipe.validate()
        let splits = try DatasetCatalog.load(name: recipe.dataset, dataDir: recipe.dataDir, limit: recipe.limit)
        guard dedicated else {
            let summary = try Trainer(recipe: recipe, splits: splits, runDirectory: out).run(resume: resume)
            if json { try printJSON(summary) }
            return
        }
        guard recipe.bits != nil else { throw InputError("--dedicated needs --bits (and --deploy-bits) to know which widths to train") }
        var summaries: [String: TrainingSummary] = [:]
        for b in try recipe.deployedBits().bits {
            var single = recipe
            single.bits = "\(b)"; single.deployBits = "\(b)"
            summaries["\(b)-bit"] = try Trainer(recipe: single, splits: splits, runDirectory: out + "/dedicated-\(b)bit")
                .run(resume: resume)
        }
        if json { try printJSON(summaries) }
    }
}
