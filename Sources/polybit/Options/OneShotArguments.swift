import ArgumentParser
import PolybitQuant
import PolybitTrain

private let defaults = TrainingRecipe()

/// The recipe's one-shot fields (docs/one-shot.md).
struct OneShotArguments: ParsableArguments {
    @Flag(
        help:
            "One-shot mixed precision: each step trains the max subnet (every layer at the highest of --bits), then --subnets random subnets whose layers draw their weight and activation widths from --bits (default 2-6), distilled from the max subnet with weight --distill (default 1 here); one update per step."
    )
    var oneShot = false
    @Option(help: "Random mixed subnets per one-shot step. [default: \(defaults.subnets)]") var subnets: Int?
    @Option(
        help:
            "How one-shot subnets draw widths: uniform (every layer from its candidates) or hasb (Hessian-aware: one width per subnet, and with probability σ a layer draws from its roulette, weighted to high widths when its Hessian trace is above the mean). [default: \(defaults.bitSampling.rawValue)]"
    )
    var bitSampling: BitSampling?
    @Option(
        help:
            "HASB's σ: the roulette's share of layers grows linearly to it over the run. [default: \(defaults.hasbSigma)]"
    )
    var hasbSigma: Float?
    @Option(help: "Training images of HASB's Hessian-trace estimate (each epoch). [default: \(defaults.hasbImages)]")
    var hasbImages: Int?
    @Flag(
        help:
            "One-shot bit-width scheduler: from epoch 6, the layers whose weights sit nearest the rounding boundaries (a cosine-decayed share, 0.5 to 0.2) lose their 2-bit weight candidate until the next scheduler epoch."
    )
    var bitScheduler = false
    @Flag(
        help:
            "One-shot fairness weight regularisation: a layer a subnet runs at 2-bit weights loses the weight decay of its weights inside the 2-bit clipping range (exactly with sgd)."
    )
    var fairnessRegularization = false
    @Option(
        help:
            "One-shot information distortion mitigation: weight λ of the MSE between a subnet's BatchNorm outputs and the max subnet's (detached), at the layers the subnet runs at their lowest candidate weight width (ResNets; 0 is off; the paper's code uses 0.01). [default: \(defaults.idm)]"
    )
    var idm: Float?
    @Option(
        help:
            "One-shot late quantization-error loss: from 40% of the updates, λ(t)·Σ mean((w − q)²) pulls each layer's weights toward the grid of its lowest candidate width, λ(t) rising to this weight by a cosine (0 is off; the paper uses 0.1). [default: \(defaults.quantizationError)]"
    )
    var quantizationError: Float?

    /// Applies the given flags; `--one-shot` without `--bits` trains the candidates 2-6, and
    /// without `--distill` (`distillGiven`; nor any in the base recipe) distills with weight 1.
    func apply(to r: inout TrainingRecipe, distillGiven: Bool) {
        if oneShot {
            r.oneShot = true
            if r.bits == nil { r.bits = BitWidthSet(bits: Array(2...6), includesFloat: false) }
            if !distillGiven && r.distillation == 0 { r.distillation = 1 }
        }
        if let subnets { r.subnets = subnets }
        if let bitSampling { r.bitSampling = bitSampling }
        if let hasbSigma { r.hasbSigma = hasbSigma }
        if let hasbImages { r.hasbImages = hasbImages }
        if bitScheduler { r.bitScheduler = true }
        if fairnessRegularization { r.fairnessRegularization = true }
        if let idm { r.idm = idm }
        if let quantizationError { r.quantizationError = quantizationError }
    }
}
