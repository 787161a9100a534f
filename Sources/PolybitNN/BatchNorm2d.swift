import PolybitTensor

/// Batch normalization over CNHW activations: per channel, statistics over `N·H·W` values.
///
/// Training uses batch statistics and updates running statistics (momentum 0.1, unbiased
/// variance, as PyTorch); evaluation uses the running statistics. Input and output `[C, N, H, W]`.
/// With `appliesReLU` the output is `max(0, BN(x))`: the ReLU that follows, fused into the same
/// passes (its backward mask is recomputed from the input, so no output is kept).
///
/// Shared by default: one set of affine parameters and running statistics. `makeSwitchable`
/// gives it one set per bit-width instead (switchable BatchNorm, as in AdaBits and
/// Any-Precision); `select(bits:)` then chooses the set that `gamma`, `beta`, `runningMean`,
/// `runningVar`, forward and backward use.
public final class BatchNorm2d: Layer {
    /// Affine parameters and running statistics of one precision (or of all, when shared).
    struct ParameterSet {
        let gamma: Parameter, beta: Parameter
        let runningMean: Parameter, runningVar: Parameter

        /// gamma 1, beta 0, running mean 0, running variance 1; names `<prefix>.gamma`, ....
        init(prefix: String, channels: Int) {
            gamma = Parameter(name: prefix + ".gamma", role: .bias, value: Tensor(shape: [channels], repeating: 1))
            beta = Parameter(name: prefix + ".beta", role: .bias, value: .zeros([channels]))
            runningMean = Parameter(name: prefix + ".running_mean", role: .buffer, value: .zeros([channels]))
            runningVar = Parameter(
                name: prefix + ".running_var", role: .buffer,
                value: Tensor(shape: [channels], repeating: 1))
        }

        var all: [Parameter] { [gamma, beta, runningMean, runningVar] }
    }

    /// Key of the float set in `switchableBits` and `select(bits:)` (32, as on the command line).
    public static let floatBits = 32

    public let name: String
    public let channels: Int
    public let epsilon: Float
    public var momentum: Float
    /// Whether a ReLU is fused after the normalization.
    public let appliesReLU: Bool
    /// Bit-widths with a set of their own, ascending (`floatBits` for float); empty when shared.
    public private(set) var switchableBits: [Int] = []
    private var sets: [ParameterSet]
    private var selected = 0

    /// The selected set's parameters (the only set of a shared BatchNorm).
    public var gamma: Parameter { sets[selected].gamma }
    public var beta: Parameter { sets[selected].beta }
    public var runningMean: Parameter { sets[selected].runningMean }
    public var runningVar: Parameter { sets[selected].runningVar }
    /// The bit-width whose set is in use; nil when shared.
    public var selectedBits: Int? { switchableBits.isEmpty ? nil : switchableBits[selected] }

    /// When true, each training forward keeps its output in `lastOutput` (for a loss on it, e.g.
    /// one-shot IDM).
    public var keepsOutput = false
    /// The last training forward's output `[C, N, H, W]` (after the fused ReLU) while `keepsOutput`.
    public private(set) var lastOutput: Tensor?
    /// A gradient with respect to the output (its shape) that the next backward adds to the one it
    /// receives, then clears: how a loss on this layer's output enters backpropagation.
    public var extraOutputGradient: Tensor?

    /// The training input, the set it was normalized with and its batch statistics, for
    /// backward (x̂ is recomputed from them).
    private var cachedInput: Tensor?
    private var cachedSet = 0
    private var batchMeans: [Float] = []
    private var inverseStd: [Float] = []
    /// Values per channel the last training forward's statistics were taken over (all ranks').
    private var samplesInStatistics = 0.0

    /// The ranks of a data-parallel job whose batches share the statistics (synchronized
    /// BatchNorm): with more than one, training forward and backward sum each channel's statistics
    /// over every rank's part of the batch, so the ranks normalize as one process with the whole
    /// batch would. Nil (or one rank): this batch alone.
    public var replicas: (any Communicator)?

    public init(
        name: String, channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1,
        appliesReLU: Bool = false
    ) {
        self.name = name; self.channels = channels; self.epsilon = epsilon; self.momentum = momentum
        self.appliesReLU = appliesReLU
        sets = [ParameterSet(prefix: name, channels: channels)]
    }

    /// Every set's parameters and buffers, in `switchableBits` order.
    public var parameters: [Parameter] { sets.flatMap(\.all) }

    /// Replaces the shared set by one freshly initialized set per width of `bits` (2...16, and
    /// `floatBits` for float), named `<name>.<b>bit.gamma`, `<name>.fp32.gamma`, ...; selects
    /// the highest. Call once, before training or restoring a checkpoint.
    public func makeSwitchable(bits: [Int]) {
        precondition(switchableBits.isEmpty && !bits.isEmpty, "\(name): makeSwitchable needs bit-widths, once")
        switchableBits = Array(Set(bits)).sorted()
        sets = switchableBits.map { b in
            ParameterSet(prefix: name + (b == BatchNorm2d.floatBits ? ".fp32" : ".\(b)bit"), channels: channels)
        }
        selected = sets.count - 1
    }

    /// Selects the set for `bits` (nil: float): its own when it has one, else the nearest width
    /// that has one (float counting as 32 bits), ties to the higher. No effect when shared.
    public func select(bits: Int?) {
        guard !switchableBits.isEmpty else { return }
        let wanted = bits ?? BatchNorm2d.floatBits
        selected = switchableBits.indices.min { i, j in
            let di = abs(switchableBits[i] - wanted), dj = abs(switchableBits[j] - wanted)
            return di != dj ? di < dj : switchableBits[i] > switchableBits[j]
        }!
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.shape[0] == channels, "\(name): expected \(channels) channels, got \(x.shape)")
        let set = sets[selected]
        let m = x.count / channels
        var y = Tensor(shape: x.shape) { _ in }
        if !training {
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    for c in 0..<channels {
                        let inv = 1 / (set.runningVar.value.storage[c] + epsilon).squareRoot()
                        let scale = set.gamma.value.storage[c] * inv
                        let shift = set.beta.value.storage[c] - set.runningMean.value.storage[c] * scale
                        apply(m, xp.baseAddress! + c * m, yp.baseAddress! + c * m, scale: scale, shift: shift)
                    }
                }
            }
            return y
        }
        var means = [Float](repeating: 0, count: channels)
        var variances = [Float](repeating: 0, count: channels)
        inverseStd = [Float](repeating: 0, count: channels)
        var total = Double(m)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                means.withUnsafeMutableBufferPointer { mp in
                    variances.withUnsafeMutableBufferPointer { vp in
                        inverseStd.withUnsafeMutableBufferPointer { ip in
                            let xs = xp.baseAddress!, ys = yp.baseAddress!
                            let ms = mp.baseAddress!, vs = vp.baseAddress!, iv = ip.baseAddress!
                            let gs = set.gamma.value.storage, bs = set.beta.value.storage
                            /// Stores channel c's statistics and normalizes it.
                            let normalize = { (c: Int, mean: Float, variance: Float) in
                                let inv = 1 / (variance + self.epsilon).squareRoot()
                                ms[c] = mean; vs[c] = variance; iv[c] = inv
                                let (scale, shift) = self.affine(gamma: gs[c], beta: bs[c], mean: mean, inverseStd: inv)
                                self.apply(m, xs + c * m, ys + c * m, scale: scale, shift: shift)
                            }
                            guard let replicas, replicas.size > 1 else {
                                Parallel.forEach(channels) { c in
                                    let mean = Float(Vec.sum(m, xs + c * m) / Double(m))
                                    normalize(
                                        c, mean, Float(Vec.squaredDeviations(m, xs + c * m, center: mean) / Double(m)))
                                }
                                return
                            }
                            let (sums, deviations, n) = self.replicaStatistics(xs, m, replicas)
                            total = n
                            Parallel.forEach(channels) { c in normalize(c, Float(sums[c] / n), Float(deviations[c] / n))
                            }
                        }
                    }
                }
            }
        }
        let unbias = Float(total) / Float(max(1, total - 1))
        for c in 0..<channels {
            set.runningMean.value.storage[c] += momentum * (means[c] - set.runningMean.value.storage[c])
            set.runningVar.value.storage[c] += momentum * (variances[c] * unbias - set.runningVar.value.storage[c])
        }
        samplesInStatistics = total
        cachedInput = x
        cachedSet = selected
        batchMeans = means
        lastOutput = keepsOutput ? y : nil
        return y
    }

    /// Each channel's sum and squared deviations from the mean over every rank's part of the batch
    /// (`x` holds this rank's `m` values per channel), and the number of values they cover: the
    /// statistics of one process's two passes, each pass's sums added over the ranks.
    private func replicaStatistics(_ x: UnsafePointer<Float>, _ m: Int, _ replicas: any Communicator) -> (
        sums: [Double], deviations: [Double], count: Double
    ) {
        var sums = [Double](repeating: 0, count: channels + 1)
        sums.withUnsafeMutableBufferPointer { sp in
            let ss = sp.baseAddress!
            Parallel.forEach(channels) { c in ss[c] = Vec.sum(m, x + c * m) }
        }
        sums[channels] = Double(m)
        replicas.sum(&sums)
        let n = sums[channels]
        var deviations = [Double](repeating: 0, count: channels)
        deviations.withUnsafeMutableBufferPointer { dp in
            let ds = dp.baseAddress!
            sums.withUnsafeBufferPointer { sp in
                let ss = sp.baseAddress!
                Parallel.forEach(channels) { c in ds[c] = Vec.squaredDeviations(m, x + c * m, center: Float(ss[c] / n))
                }
            }
        }
        replicas.sum(&deviations)
        return (sums, deviations, n)
    }

    public func backward(_ received: Tensor) -> Tensor {
        guard let x = cachedInput else { preconditionFailure("\(name): backward without a training forward") }
        let gradOutput = extraOutputGradient.map { received + $0 } ?? received
        extraOutputGradient = nil
        let set = sets[cachedSet]
        let m = x.count / channels
        var gradInput = Tensor(shape: x.shape) { _ in }
        var dGamma = [Float](repeating: 0, count: channels), dBeta = dGamma
        gradOutput.withUnsafeBufferPointer { dyp in
            x.withUnsafeBufferPointer { xp in
                gradInput.withUnsafeMutableBufferPointer { dxp in
                    dGamma.withUnsafeMutableBufferPointer { dgp in
                        dBeta.withUnsafeMutableBufferPointer { dbp in
                            let dy = dyp.baseAddress!, xs = xp.baseAddress!, dx = dxp.baseAddress!
                            let dg = dgp.baseAddress!, db = dbp.baseAddress!
                            let gs = set.gamma.value.storage, bs = set.beta.value.storage
                            let inv = inverseStd, means = batchMeans, relu = appliesReLU
                            /// Channel c's Σg and Σg·x̂ over this batch, x̂ = (x − mean)·inv; with the ReLU, g
                            /// is masked where the forward output was 0 (same arithmetic as forward, so the
                            /// same elements). Stored as the gradients of β and γ.
                            let gradientSums = { (c: Int) -> (Double, Double) in
                                let (scale, shift) = self.affine(
                                    gamma: gs[c], beta: bs[c], mean: means[c], inverseStd: inv[c])
                                let g = dy + c * m, xc = xs + c * m
                                let (sumG, sumGX) =
                                    relu
                                    ? Vec.maskedSumAndDot(m, g, xc, scale: scale, shift: shift)
                                    : Vec.sumAndDot(m, g, xc)
                                let sumGH = (sumGX - Double(means[c]) * sumG) * Double(inv[c])
                                dg[c] = Float(sumGH); db[c] = Float(sumG)
                                return (sumG, sumGH)
                            }
                            /// Channel c's input gradient from the sums over all `n` normalized values:
                            /// dx = k·(g − mean(g) − x̂·mean(g·x̂)) = k·g − a·x + b, k = γ·inv.
                            let inputGradient = { (c: Int, sumG: Double, sumGH: Double, n: Double) in
                                let g = dy + c * m, xc = xs + c * m, out = dx + c * m
                                let (scale, shift) = self.affine(
                                    gamma: gs[c], beta: bs[c], mean: means[c], inverseStd: inv[c])
                                let k = gs[c] * inv[c]
                                let meanG = Float(sumG / n), meanGH = Float(sumGH / n)
                                let a = k * inv[c] * meanGH, b = k * (inv[c] * meanGH * means[c] - meanG)
                                if relu {
                                    for i in 0..<m {
                                        let kept = xc[i] * scale + shift > 0 ? g[i] : 0
                                        out[i] = k * kept - a * xc[i] + b
                                    }
                                } else {
                                    for i in 0..<m { out[i] = k * g[i] - a * xc[i] + b }
                                }
                            }
                            guard let replicas, replicas.size > 1 else {
                                Parallel.forEach(channels) { c in
                                    let (sumG, sumGH) = gradientSums(c)
                                    inputGradient(c, sumG, sumGH, Double(m))
                                }
                                return
                            }
                            // Across replicas: the sums over every rank's batch. β and γ keep this rank's
                            // share; the gradient reduction of the step adds the shares.
                            var sums = [Double](repeating: 0, count: 2 * channels)
                            sums.withUnsafeMutableBufferPointer { sp in
                                let ss = sp.baseAddress!
                                Parallel.forEach(channels) { c in (ss[c], ss[channels + c]) = gradientSums(c) }
                            }
                            replicas.sum(&sums)
                            let n = samplesInStatistics
                            Parallel.forEach(channels) { c in inputGradient(c, sums[c], sums[channels + c], n) }
                        }
                    }
                }
            }
        }
        set.gamma.accumulateGrad(Tensor(shape: [channels], storage: dGamma))
        set.beta.accumulateGrad(Tensor(shape: [channels], storage: dBeta))
        cachedInput = nil
        return gradInput
    }

    /// The per-channel affine map of normalization: `y = x·scale + shift`.
    @inline(__always)
    private func affine(gamma: Float, beta: Float, mean: Float, inverseStd: Float) -> (scale: Float, shift: Float) {
        let scale = gamma * inverseStd
        return (scale, beta - mean * scale)
    }

    /// `y[i] = x[i]·scale + shift` over one channel's `m` values, clamped at 0 with `appliesReLU`.
    @inline(__always)
    private func apply(
        _ m: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, scale: Float, shift: Float
    ) {
        if appliesReLU {
            for i in 0..<m { y[i] = max(x[i] * scale + shift, 0) }
        } else {
            for i in 0..<m { y[i] = x[i] * scale + shift }
        }
    }
}
