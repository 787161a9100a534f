import Foundation
import PolybitData
import PolybitHDF5
import PolybitNN
import PolybitQuant
import PolybitTensor

/// A training checkpoint in HDF5 (written atomically: temporary file, then rename).
///
/// Layout: root attributes `format` = "polybit-checkpoint", `format_version` = 1, `recipe` (JSON),
/// `epochs_completed`, `steps_completed`; float32 datasets `parameters/<name>` (every parameter and
/// buffer, e.g. `parameters/stage1.block0.conv1.weight`; a switchable BatchNorm has a set per
/// bit-width, e.g. `parameters/stem.bn.4bit.gamma`), `optimizer/<name>` (optimizer state),
/// `averaged/<name>` (with a weight average: the averaged parameters and buffers, which
/// `instantiate` loads) and `normalization/mean`, `normalization/std` (per input channel).
public struct Checkpoint {
    public static let format = "polybit-checkpoint"
    public static let formatVersion = 1

    public var recipe: TrainingRecipe
    public var epochsCompleted: Int
    public var stepsCompleted: Int
    /// Parameter and buffer values by name.
    public var parameters: [String: Tensor]
    public var optimizerState: [String: Tensor]
    /// The weight average's values by name (`WeightAverage`); empty without one.
    public var averaged: [String: Tensor]
    public var normalization: ChannelNormalization

    public init(
        recipe: TrainingRecipe, epochsCompleted: Int, stepsCompleted: Int, parameters: [String: Tensor],
        optimizerState: [String: Tensor], averaged: [String: Tensor] = [:], normalization: ChannelNormalization
    ) {
        self.recipe = recipe; self.epochsCompleted = epochsCompleted; self.stepsCompleted = stepsCompleted
        self.parameters = parameters; self.optimizerState = optimizerState; self.averaged = averaged
        self.normalization = normalization
    }

    /// Captures a model's parameters, an optimizer's state and a weight average.
    public init(
        recipe: TrainingRecipe, epochsCompleted: Int, stepsCompleted: Int, model: any ImageClassifier,
        optimizer: (any Optimizer)?, average: WeightAverage? = nil, normalization: ChannelNormalization
    ) {
        var params: [String: Tensor] = [:]
        for p in model.parameters { params[p.name] = p.value }
        self.init(
            recipe: recipe, epochsCompleted: epochsCompleted, stepsCompleted: stepsCompleted,
            parameters: params, optimizerState: optimizer?.state ?? [:], averaged: average?.values ?? [:],
            normalization: normalization)
    }

    /// Writes the checkpoint to `path` atomically.
    public func write(to path: String) throws {
        let recipeJSON = try jsonText(recipe)
        try HDF5File.writeAtomically(to: path) { file in
            let root = file.root
            try root.setAttribute("format", .string(Checkpoint.format))
            try root.setAttribute("format_version", .int(Checkpoint.formatVersion))
            try root.setAttribute("recipe", .string(recipeJSON))
            try root.setAttribute("epochs_completed", .int(epochsCompleted))
            try root.setAttribute("steps_completed", .int(stepsCompleted))
            for (name, t) in parameters.sorted(by: { $0.key < $1.key }) {
                try root.write("parameters/" + name, t.storage, shape: t.shape)
            }
            for (name, t) in optimizerState.sorted(by: { $0.key < $1.key }) {
                try root.write("optimizer/" + name, t.storage, shape: t.shape)
            }
            for (name, t) in averaged.sorted(by: { $0.key < $1.key }) {
                try root.write("averaged/" + name, t.storage, shape: t.shape)
            }
            try root.write("normalization/mean", normalization.mean, shape: [normalization.mean.count])
            try root.write("normalization/std", normalization.std, shape: [normalization.std.count])
        }
    }

    /// Reads a checkpoint, checking its format; errors name the file and what is wrong.
    public static func read(from path: String) throws -> Checkpoint {
        let file = try HDF5File(path: path, mode: .readOnly)
        let root = file.root
        guard root.hasAttribute("format"), try root.attribute("format").stringValue == format else {
            throw InputError("\(path): not a Polybit checkpoint (no format attribute \"\(format)\")")
        }
        let version = try root.attribute("format_version").intValue ?? -1
        guard version == formatVersion else {
            throw InputError(
                "\(path): checkpoint format_version \(version); this Polybit reads version \(formatVersion)")
        }
        guard let json = try root.attribute("recipe").stringValue,
            let recipe = try? JSONDecoder().decode(TrainingRecipe.self, from: Data(json.utf8))
        else {
            throw InputError("\(path): the 'recipe' attribute is not a valid training recipe")
        }
        func tensors(_ group: String) throws -> [String: Tensor] {
            guard root.contains(group) else { return [:] }
            let g = try root.group(group)
            var out: [String: Tensor] = [:]
            for name in try g.childNames() {
                let a = try g.read(name, as: Float.self)
                out[name] = Tensor(shape: a.shape, storage: a.values)
            }
            return out
        }
        let params = try tensors("parameters")
        guard !params.isEmpty else { throw InputError("\(path): no parameters group") }
        let optimizer = try tensors("optimizer"), averaged = try tensors("averaged")
        let mean = try root.read("normalization/mean", as: Float.self).values
        let std = try root.read("normalization/std", as: Float.self).values
        let epochs = try root.attribute("epochs_completed").intValue ?? 0
        let steps = try root.attribute("steps_completed").intValue ?? 0
        try checkValues(
            path, groups: [("parameters", params), ("optimizer", optimizer), ("averaged", averaged)], mean: mean,
            std: std, counters: [epochs, steps])
        return Checkpoint(
            recipe: recipe, epochsCompleted: epochs, stepsCompleted: steps,
            parameters: params, optimizerState: optimizer, averaged: averaged,
            normalization: ChannelNormalization(mean: mean, std: std))
    }

    /// Checks the numbers a checkpoint stores: every parameter and optimizer value finite (a run
    /// that diverged keeps its last finite checkpoint, so a non-finite one is damage), one finite
    /// mean and one finite positive std per input channel, non-negative epoch and step counts.
    private static func checkValues(
        _ path: String, groups: [(String, [String: Tensor])], mean: [Float], std: [Float], counters: [Int]
    ) throws {
        for (group, tensors) in groups {
            for (name, t) in tensors.sorted(by: { $0.key < $1.key }) {
                if let i = t.storage.firstIndex(where: { !$0.isFinite }) {
                    throw InputError(
                        "\(path): \(group)/\(name): value \(t.storage[i]) at flat index \(i) is not finite")
                }
            }
        }
        guard mean.count == std.count, !mean.isEmpty else {
            throw InputError(
                "\(path): normalization/mean has \(mean.count) values and normalization/std \(std.count); expected one per input channel"
            )
        }
        if let i = mean.firstIndex(where: { !$0.isFinite }) {
            throw InputError("\(path): normalization/mean: value \(mean[i]) at index \(i) is not finite")
        }
        if let i = std.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw InputError("\(path): normalization/std: value \(std[i]) at index \(i); expected a finite value > 0")
        }
        for (field, value) in zip(["epochs_completed", "steps_completed"], counters) where value < 0 {
            throw InputError("\(path): \(field) is \(value); expected 0 or more")
        }
    }

    /// Copies the stored values into `model` (with `averaged`, the weight average's values where it
    /// has them); every model parameter must be present with its shape, except quantizer steps of
    /// bit-widths the checkpoint never had (learned steps are left uninitialized, for interpolation
    /// from the trained ones; statistics steps are recomputed from the weights on use).
    public func restore(into model: any ImageClassifier, averaged useAverage: Bool = false, file: String) throws {
        for p in model.parameters {
            guard let t = (useAverage ? averaged[p.name] : nil) ?? parameters[p.name] else {
                if p.role == .stepSize || p.role == .statisticsStep { continue }
                throw InputError("\(file): parameters/\(p.name) is missing (checkpoint of another model?)")
            }
            guard t.shape == p.value.shape else {
                throw InputError(
                    "\(file): parameters/\(p.name) has shape \(t.shape), the model expects \(p.value.shape)")
            }
            p.value = t
        }
    }
}

extension Checkpoint {
    /// The checkpoint's network, restored (the weight average when it has one), for images shaped
    /// like `data`; for a multi-bit
    /// checkpoint also its quantizers, with steps for `extraBits` as well (untrained widths are
    /// interpolated from the trained ones before use).
    public func instantiate(for data: Dataset, extraBits: [Int] = [], file: String) throws
        -> (model: any ImageClassifier, quantized: QuantizedNetwork?)
    {
        guard data.channels == normalization.mean.count else {
            throw InputError(
                "\(file): trained on \(normalization.mean.count)-channel images; these have \(data.channels)")
        }
        let model = try ModelFactory.make(recipe, for: data)
        var quantized: QuantizedNetwork?
        if let trained = recipe.trainedBits() {
            let stored = (trained.bits + recipe.deployedBits().bits + [QuantizedNetwork.boundaryBits]).max()!
            if recipe.quantizer.weightRounding != .direct, let above = extraBits.first(where: { $0 > stored }) {
                throw InputError(
                    "\(file): \(above) bits is above the \(stored) bits this Double Rounding model derives its widths from"
                )
            }
            quantized = try QuantizedNetwork(
                model: model, bitWidths: trained.bits + recipe.deployedBits().bits + extraBits,
                options: recipe.quantizer, quantizeFirstLast: recipe.quantizeFirstLast, residual: recipe.residual)
        }
        try restore(into: model, averaged: true, file: file)
        if let trained = recipe.trainedBits() { quantized?.interpolateUntrainedSteps(trained: trained.bits) }
        return (model, quantized)
    }
}
