import PolybitData
import PolybitNN
import PolybitTensor

/// Builds the network a recipe names for a dataset's image shape and class count.
public enum ModelFactory {
    /// A freshly initialized model (initialization fixed by `recipe.seed`); with switchable
    /// BatchNorm, every BatchNorm has a set per trained bit-width (32: float).
    public static func make(_ recipe: TrainingRecipe, for data: Dataset) throws -> any ImageClassifier {
        try recipe.validate()
        if let depth = recipe.resnetDepth {
            let net = ResNet(
                depth: depth, inputChannels: data.channels, classes: data.classes, width: recipe.width,
                seed: RandomStream.initialization.seed(recipe.seed))
            if recipe.batchNorm == .switchable, let trained = recipe.trainedBits() {
                let bits = trained.bits + (trained.includesFloat ? [BatchNorm2d.floatBits] : [])
                for bn in net.normLayers { bn.makeSwitchable(bits: bits) }
            }
            return net
        }
        guard data.height % recipe.patch == 0, data.width % recipe.patch == 0 else {
            throw RecipeError(
                .patch,
                "\(recipe.patch): the \(data.height)x\(data.width) images do not divide into patches of that size")
        }
        guard recipe.dim % recipe.heads == 0 else {
            throw RecipeError(.dim, "\(recipe.dim) is not divisible by \(RecipeField.heads) \(recipe.heads)")
        }
        return ViT(
            inputChannels: data.channels, height: data.height, width: data.width, classes: data.classes,
            patch: recipe.patch, dim: recipe.dim, depth: recipe.depth, heads: recipe.heads,
            seed: RandomStream.initialization.seed(recipe.seed))
    }

    /// The optimizer a recipe names.
    public static func optimizer(_ recipe: TrainingRecipe) -> any Optimizer {
        recipe.optimizer == .adamw
            ? AdamW(learningRate: recipe.learningRate, weightDecay: recipe.weightDecay)
            : SGD(learningRate: recipe.learningRate, momentum: recipe.momentum, weightDecay: recipe.weightDecay)
    }
}
