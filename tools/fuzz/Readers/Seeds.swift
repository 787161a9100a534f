import Foundation
import PolybitData
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import PolybitTrain

/// Valid files for the HDF5 readers' seed corpora, made with Polybit's own writers: a small
/// image dataset, a synthetic integer ResNet-8, a multi-bit ResNet-8 checkpoint and recipes.
public enum Seeds {
    /// Writes the files into `dir/dataset`, `dir/model`, `dir/checkpoint` and `dir/recipe`.
    public static func write(to dir: String) throws {
        for sub in ["dataset", "model", "checkpoint", "recipe"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        let splits = SyntheticDataset.splits(train: 4, test: 2, channels: 1, height: 4, width: 4, classes: 3, seed: 1)
        try HDF5ImageDataset.write(splits, to: dir + "/dataset/synthetic.h5")
        let model = IntegerModel.syntheticResNet(inputShape: [1, 8, 8], depth: 8, weightBits: 4, activationBits: 4)
        try model.write(to: dir + "/model/resnet8.h5")
        var recipe = TrainingRecipe()
        recipe.model = .resnet(depth: 8)
        recipe.bits = BitWidthSet(bits: [2, 4], includesFloat: false)
        let data = SyntheticDataset.make(count: 1, channels: 1, height: 8, width: 8, classes: 10, seed: 1)
        let net = try ModelFactory.make(recipe, for: data)
        _ = try QuantizedNetwork(model: net, bitWidths: [2, 4], options: recipe.quantizer)
        try Checkpoint(
            recipe: recipe, epochsCompleted: 1, stepsCompleted: 1, model: net, optimizer: nil,
            normalization: ChannelNormalization(mean: [0.5], std: [0.25])
        ).write(to: dir + "/checkpoint/resnet8.h5")
        try Data(try jsonText(recipe).utf8).write(to: URL(fileURLWithPath: dir + "/recipe/resnet8.json"))
        try Data(try jsonText(TrainingRecipe()).utf8).write(to: URL(fileURLWithPath: dir + "/recipe/default.json"))
    }
}
