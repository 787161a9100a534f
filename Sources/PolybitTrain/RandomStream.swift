import PolybitTensor

/// The independent random streams of a training run, each derived from the recipe's `seed`.
///
/// The derivations are part of every run's identity: a run repeats bit for bit (at a fixed thread
/// count) because each stream's seed is fixed here, and changing one changes the results of every
/// run and the meaning of every stored seed. Coreset streams draw one sub-stream per redraw and
/// trained precision (`generator(seed:epoch:pass:)`).
public enum RandomStream: Equatable, Sendable {
    /// Weight initialization of the model (ResNet and ViT).
    case initialization
    /// Order and augmentation (crops, flips) of the training batches of trained precision `pass`
    /// (0: the highest, which uses the run seed itself); each precision draws its own batches
    /// (sequential multi-bit training, EMQ).
    case dataOrder(pass: Int)
    /// The random training batches that refresh the BatchNorm running statistics after a subset
    /// epoch (`CoresetConfig.statisticsRefreshBatches`).
    case statisticsRefresh
    /// Each pool's random candidates scored at an EL2N redraw (`CoresetConfig.candidatePool`).
    case candidatePool
    /// The scores of random coresets (`CoresetConfig.Score.random`).
    case randomScores
    /// The random draws of a subset from its scores (`CoresetSelection.Rule.stratified`).
    case coresetSelection
    /// The bit-widths of one-shot training's random subnets, one sub-stream per update
    /// (`generator(seed:update:)`).
    case bitSampling
    /// The Rademacher probes of HASB's Hessian traces, one sub-stream per epoch.
    case hessianProbes

    /// This stream's seed in a run seeded with `seed`.
    public func seed(_ seed: UInt64) -> UInt64 {
        switch self {
        case .initialization: seed &+ 1
        case .dataOrder(let pass): seed &+ UInt64(pass) &* 0x9E37_79B9
        case .statisticsRefresh: seed &+ 0xB_47C4
        case .candidatePool: seed &+ 0xCA4D
        case .randomScores: seed &+ 0xC0FE
        case .coresetSelection: seed &+ 0x5E_1EC7
        case .bitSampling: seed &+ 0xB175
        case .hessianProbes: seed &+ 0x4E55
        }
    }

    /// The generator of this stream at optimizer update `update` (0-based, counted over the whole
    /// run): sub-stream `update` of `seed(seed)`, so a resumed run draws what an uninterrupted one did.
    public func generator(seed: UInt64, update: Int) -> SeededRNG {
        SeededRNG.stream(seed: self.seed(seed), UInt64(update))
    }

    /// The generator of this stream at the coreset redraw of `epoch` (0-based) for trained
    /// precision `pass` (0: the highest): sub-stream `64 · epoch + pass` of `seed(seed)`.
    public func generator(seed: UInt64, epoch: Int, pass: Int) -> SeededRNG {
        SeededRNG.stream(seed: self.seed(seed), UInt64(epoch * 64 + pass))
    }
}
