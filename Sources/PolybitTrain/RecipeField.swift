/// Every setting of a `TrainingRecipe`, named by its path in the recipe's JSON (`epochs`,
/// `quantizer.weightStep`, `coreset.hardCut`). Errors name the field they are about; the command
/// line maps each field to its flag, and a test checks that every stored field has a case here.
public enum RecipeField: String, CaseIterable, Sendable {
    case model, width, dataset, dataDir, limit, epochs, batch, seed, optimizer, learningRate, momentum
    case weightDecay, warmupEpochs, labelSmoothing, cropPadding, flip, patch, dim, depth, heads
    case bits, deployBits
    case biasCorrection = "quantizer.biasCorrection"
    case correctionStatistics = "quantizer.correctionStatistics"
    case weightStep = "quantizer.weightStep"
    case stepGradientScale = "quantizer.stepGradientScale"
    case weightRounding = "quantizer.weightRounding"
    case alrs = "quantizer.alrs"
    case quantizeFirstLast, distillation, batchNorm
    case coresetFraction = "coreset.fraction"
    case coresetRedrawEpochs = "coreset.redrawEpochs"
    case coresetWarmupEpochs = "coreset.warmupEpochs"
    case coresetScore = "coreset.score"
    case coresetSelection = "coreset.selection"
    case coresetHardCut = "coreset.hardCut"
    case coresetShared = "coreset.shared"
    case coresetCandidatePool = "coreset.candidatePool"
    case coresetStatisticsRefreshBatches = "coreset.statisticsRefreshBatches"
    case coresetClassBalanced = "coreset.classBalanced"

    /// The settings of a bit-wise coreset other than its fraction (meaningful only with one).
    public static let coresetOptions = allCases.filter { $0.rawValue.hasPrefix("coreset.") && $0 != .coresetFraction }
}
