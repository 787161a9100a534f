import PolybitQuant

extension TrainingRecipe {
    /// The rules of one-shot training: its numbers in range; with `oneShot`, at least two quantized
    /// candidate widths in `bits` and no float among them (the max subnet is the highest), no
    /// coreset (every subnet trains on the step's one batch); without it, its options at their
    /// defaults.
    func validateOneShot() throws {
        guard subnets > 0 else { throw RecipeError(.subnets, "\(subnets): expected a positive number") }
        guard (0...1).contains(hasbSigma) else {
            throw RecipeError(.hasbSigma, "\(hasbSigma): expected a probability in [0, 1]")
        }
        guard hasbImages > 0 else { throw RecipeError(.hasbImages, "\(hasbImages): expected a positive number") }
        guard idm.isFinite && idm >= 0 else { throw RecipeError(.idm, "\(idm): expected a weight ≥ 0") }
        guard quantizationError.isFinite && quantizationError >= 0 else {
            throw RecipeError(.quantizationError, "\(quantizationError): expected a weight ≥ 0")
        }
        guard oneShot else {
            let defaults = TrainingRecipe()
            let changed: [(RecipeField, Bool)] = [
                (.subnets, subnets != defaults.subnets), (.bitSampling, bitSampling != defaults.bitSampling),
                (.hasbSigma, hasbSigma != defaults.hasbSigma), (.hasbImages, hasbImages != defaults.hasbImages),
                (.bitScheduler, bitScheduler != defaults.bitScheduler),
                (.fairnessRegularization, fairnessRegularization != defaults.fairnessRegularization),
                (.idm, idm != defaults.idm),
                (.quantizationError, quantizationError != defaults.quantizationError),
            ]
            if let field = changed.first(where: \.1)?.0 { throw RecipeError(field, "needs \(.oneShot)") }
            return
        }
        guard let bits, bits.bits.count >= 2, !bits.includesFloat else {
            throw RecipeError(
                .oneShot,
                "needs \(.bits) with at least two quantized widths and no float (the candidates; e.g. 2-6)")
        }
        if idm > 0, model == .vit {
            throw RecipeError(.idm, "acts on BatchNorm outputs; the ViT has none (ResNets only)")
        }
        if coreset != nil {
            throw RecipeError(.oneShot, "trains every subnet on the step's batch; it does not combine with coresets")
        }
    }
}
