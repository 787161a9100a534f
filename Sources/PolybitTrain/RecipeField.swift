/// Every setting of a `TrainingRecipe`. Errors name the field they are about; the command line
/// maps each field to its flag, and a test checks that every stored field of the recipe is one.
public enum RecipeField: String, CaseIterable, Sendable {
    case model, width, dataset, dataDir, validation, limit, epochs, batch, seed, optimizer, learningRate, momentum
    case weightDecay, warmupEpochs, labelSmoothing, weightAverage, cropPadding, flip, patch, dim, depth, heads
    case bits, deployBits, quantizeFirstLast, distillation, batchNorm, residual
    case oneShot, subnets, bitSampling, hasbSigma, hasbImages, bitScheduler, fairnessRegularization, idm
    case quantizationError
    /// `quantizer.<name>`
    case biasCorrection, correctionStatistics, weightStep, stepGradientScale, weightRounding, alrs
    /// `coreset.<name>` (`coresetHardCut` is `coreset.hardCut`)
    case coresetFraction, coresetRedrawEpochs, coresetWarmupEpochs, coresetScore, coresetSelection, coresetOverlap
    case coresetHardCut, coresetShared, coresetCandidatePool, coresetStatisticsRefreshBatches, coresetClassBalanced

    /// The settings of a bit-wise coreset other than its fraction (meaningful only with one).
    public static let coresetOptions = allCases.filter { $0.group == "coreset" && $0 != .coresetFraction }

    /// The settings of one-shot training other than `oneShot` itself (meaningful only with it).
    public static let oneShotOptions: [RecipeField] = [
        .subnets, .bitSampling, .hasbSigma, .hasbImages, .bitScheduler, .fairnessRegularization, .idm,
        .quantizationError,
    ]

    /// The field's path in the recipe's JSON: `epochs`, `quantizer.alrs`, `coreset.hardCut`.
    public var path: String {
        guard let group else { return rawValue }
        let name = rawValue.hasPrefix(group) ? rawValue.dropFirst(group.count) : Substring(rawValue)
        return group + "." + name.prefix(1).lowercased() + name.dropFirst()
    }

    /// The nested value of the recipe that holds the field, if any.
    private var group: String? {
        switch self {
        case .biasCorrection, .correctionStatistics, .weightStep, .stepGradientScale, .weightRounding, .alrs:
            "quantizer"
        case .coresetFraction, .coresetRedrawEpochs, .coresetWarmupEpochs, .coresetScore, .coresetSelection,
            .coresetHardCut, .coresetShared, .coresetCandidatePool, .coresetStatisticsRefreshBatches,
            .coresetClassBalanced, .coresetOverlap:
            "coreset"
        default: nil
        }
    }
}
