import PolybitQuant

extension TrainingRecipe {
    /// Checks every field; throws a `RecipeError` naming the field and what was expected.
    public func validate() throws {
        guard model.isValid else {
            throw RecipeError(.model, "\(model): expected resnet20, resnet32, resnet56 (any resnet 6n+2) or vit")
        }
        if case .images(let n) = validation, n < 0 {
            throw RecipeError(.validation, "\(n): expected 0 or more images, or auto")
        }
        try positive(.epochs, epochs); try positive(.batch, batch); try positive(.width, width)
        guard learningRate > 0, learningRate.isFinite else {
            throw RecipeError(.learningRate, "\(learningRate): expected a positive number")
        }
        try validateOptimizerNumbers()
        guard (0..<1).contains(labelSmoothing) else {
            throw RecipeError(.labelSmoothing, "\(labelSmoothing): expected a value in [0, 1)")
        }
        guard (0..<1).contains(weightAverage) else {
            throw RecipeError(.weightAverage, "\(weightAverage): expected a decay in [0, 1) (0 is off)")
        }
        guard cropPadding >= 0 else { throw RecipeError(.cropPadding, "\(cropPadding): must not be negative") }
        guard warmupEpochs >= 0 else { throw RecipeError(.warmupEpochs, "\(warmupEpochs): must not be negative") }
        if let bits { try validateQuantized(trained: bits) } else { try validateFloat() }
        try coreset?.validate()
        try validateOneShot()
    }

    /// Momentum in [0, 1), weight decay finite and not negative, `limit` positive when set, and
    /// the ViT sizes positive (NaN fails every comparison, so it is refused too).
    private func validateOptimizerNumbers() throws {
        guard (0..<1).contains(momentum) else {
            throw RecipeError(.momentum, "\(momentum): expected a value in [0, 1)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw RecipeError(.weightDecay, "\(weightDecay): expected a finite value, 0 or more")
        }
        if let limit { try positive(.limit, limit) }
        if model == .vit {
            for (field, value) in [(RecipeField.patch, patch), (.dim, dim), (.depth, depth), (.heads, heads)] {
                try positive(field, value)
            }
        }
    }

    private func positive(_ field: RecipeField, _ value: Int) throws {
        guard value > 0 else { throw RecipeError(field, "\(value): expected a positive number") }
    }

    /// The rules of a quantized (multi-bit) recipe.
    private func validateQuantized(trained: BitWidthSet) throws {
        try inRange(.bits, trained)
        if let deployBits { try inRange(.deployBits, deployBits) }
        guard !trained.bits.isEmpty else {
            throw RecipeError(
                .bits,
                "\(trained.description): name at least one quantized bit-width (32 alone is float training; omit \(RecipeField.bits))"
            )
        }
        let deployed = deployedBits()
        guard deployed.includesFloat || !deployed.bits.isEmpty else {
            throw RecipeError(.deployBits, "\(deployed.description): names no bit-width")
        }
        guard
            distillation == 0 || (distillation > 0 && distillation.isFinite && trained.precisionsHighestFirst.count > 1)
        else {
            throw RecipeError(
                .distillation,
                "\(distillation): expected a positive weight, and at least two trained bit-widths (the highest teaches the others)"
            )
        }
        if quantizer.weightStep == .learned && quantizer.biasCorrection != .off {
            throw RecipeError(
                .weightStep,
                "learned needs \(RecipeField.biasCorrection) off: the correction undoes any change of a learned step, whose gradient then drives it to zero"
            )
        }
        if case .bits(let r) = residual, !ResidualPath.bitsRange.contains(r) {
            throw RecipeError(.residual, "\(r) bits: expected float, activation or a bit count in 2...16")
        }
        if batchNorm == .switchable && resnetDepth == nil {
            throw RecipeError(.batchNorm, "switchable: \(model) has no BatchNorm (it uses LayerNorm); use a resnet")
        }
    }

    /// Quantized widths lie in 2...16 (the parser's range; a set built in code may not).
    private func inRange(_ field: RecipeField, _ set: BitWidthSet) throws {
        if let bad = set.bits.first(where: { !(2...16).contains($0) }) {
            throw RecipeError(field, "\(set.description): \(bad) bits is outside 2...16 (use 32 for float)")
        }
    }

    /// Settings that need quantizers are errors in a float recipe.
    private func validateFloat() throws {
        let needsBits: RecipeField? =
            quantizer.weightRounding != .direct
            ? .weightRounding
            : quantizer.alrs
                ? .alrs
                : deployBits != nil
                    ? .deployBits
                    : nil
        if let needsBits {
            throw RecipeError(needsBits, "needs \(RecipeField.bits) (a float model has no quantizers or bit-widths)")
        }
        if batchNorm == .switchable {
            throw RecipeError(
                .batchNorm,
                "switchable needs \(RecipeField.bits): a float model runs at one precision, so it has one BatchNorm")
        }
        if distillation != 0 {
            throw RecipeError(
                .distillation, "needs \(RecipeField.bits) with at least two bit-widths (the highest teaches the others)"
            )
        }
    }
}
