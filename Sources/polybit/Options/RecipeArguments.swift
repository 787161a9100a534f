import ArgumentParser
import PolybitData
import PolybitQuant
import PolybitTrain

// The recipe's enums as command-line values: each is spelled as in the recipe's JSON.

extension ModelArchitecture: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public var defaultValueDescription: String { description }
}

extension OptimizerKind: ExpressibleByArgument {}
extension BatchNormMode: ExpressibleByArgument {}
extension BiasCorrection: ExpressibleByArgument {}
extension CorrectionStatistics: ExpressibleByArgument {}
extension WeightStepRule: ExpressibleByArgument {}
extension WeightRounding: ExpressibleByArgument {}
extension CoresetConfig.Score: ExpressibleByArgument {}
extension CoresetSelection.Rule: ExpressibleByArgument {}
extension CoresetConfig.Overlap: ExpressibleByArgument {}
extension ValidationSplitSize: ExpressibleByArgument {}
extension ResidualPath: ExpressibleByArgument {}
extension BitSampling: ExpressibleByArgument {}
