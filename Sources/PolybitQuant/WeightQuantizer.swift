import PolybitNN
import PolybitTensor

/// How a weight quantizer chooses its step at each bit-width.
public enum WeightStepRule: String, Codable, Sendable, CaseIterable {
    /// From the latent weights each forward: clip at `max(|μ − α_b·σ|, |μ + α_b·σ|)` with
    /// `α_b` the MSE-optimal clipping of a Gaussian at b bits (Banner et al. 2019), step =
    /// clip / 2^(b−1). Defined at every bit-width, trained or not.
    case statistics
    /// A learnable LSQ step per bit-width. With bias correction on it is unidentifiable (the
    /// correction undoes any change of scale, so its gradient drives it to zero): use it only
    /// with `--bias-correction off`.
    case learned
}

/// Options shared by a network's quantizers.
public struct QuantizerOptions: Codable, Sendable, Equatable {
    public var biasCorrection: BiasCorrection = .paper
    public var correctionStatistics: CorrectionStatistics = .perChannel
    public var weightStep: WeightStepRule = .statistics
    /// LSQ's step-gradient scale `1/sqrt(N·Q_p)`.
    public var stepGradientScale = true
    /// How lower bit-widths get their weight integers: on their own grid, or by Double Rounding
    /// from the highest width's integers.
    public var weightRounding = WeightRounding.direct
    /// ALRS: step sizes learn at `adaptiveStepLearningRate(bits:highest:)` times the learning rate
    /// (set by `QuantizedNetwork.applyAdaptiveStepLearningRates`).
    public var alrs = false
    public init() {}

    /// Fields missing from older checkpoints take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = QuantizerOptions()
        biasCorrection = try c.decodeIfPresent(BiasCorrection.self, forKey: .biasCorrection) ?? d.biasCorrection
        correctionStatistics =
            try c.decodeIfPresent(CorrectionStatistics.self, forKey: .correctionStatistics) ?? d.correctionStatistics
        // Checkpoints from before statistics steps existed learned their steps.
        weightStep = try c.decodeIfPresent(WeightStepRule.self, forKey: .weightStep) ?? .learned
        stepGradientScale = try c.decodeIfPresent(Bool.self, forKey: .stepGradientScale) ?? d.stepGradientScale
        weightRounding = try c.decodeIfPresent(WeightRounding.self, forKey: .weightRounding) ?? d.weightRounding
        alrs = try c.decodeIfPresent(Bool.self, forKey: .alrs) ?? d.alrs
    }
}

/// Signed LSQ weight quantizer with one learnable step per bit-width and weight bias correction.
///
/// Set `bits` to choose the precision (nil: latent float weights pass through). Weights are
/// `[O, ...]`; correction statistics are per output channel or per tensor.
public final class WeightQuantizer: WeightTransform {
    public let name: String
    public var options: QuantizerOptions
    /// Current bit-width (nil: float).
    public var bits: Int?
    /// Learnable step size per bit-width, shape `[1]`.
    public private(set) var steps: [Int: Parameter] = [:]
    /// The highest bit-width, whose integers Double Rounding shifts to the lower ones.
    public let highestBits: Int
    /// With Double Rounding and learned steps: the weight of each bit-width's gradient in the
    /// shared highest-width step (ALRS; 1 when absent).
    public var sharedStepGradientFactor: [Int: Float] = [:]

    private var cache: (latent: Tensor, step: Float, grid: QuantGrid, a: [Float], groupSize: Int)?

    /// A quantizer for `weight` with steps for `bitWidths`. Learned steps start as in the MPQ
    /// code, `s_b = max(|μ − 3σ|, |μ + 3σ|) / 2^(b−1)`; statistics steps follow the weights.
    public init(name: String, weight: Tensor, bitWidths: [Int], options: QuantizerOptions) {
        self.name = name; self.options = options
        highestBits = bitWidths.max() ?? 8
        let learned = options.weightStep == .learned
        for b in bitWidths {
            let value =
                learned
                ? WeightQuantizer.statisticsStep(weight, bits: b, clip: { _ in 3 })
                : WeightQuantizer.statisticsStep(weight, bits: b)
            let step = Parameter(
                name: "\(name).wstep\(b)", role: learned ? .stepSize : .statisticsStep,
                value: Tensor(shape: [1], storage: [value]))
            step.lowerBound = 1e-8
            steps[b] = step
        }
    }

    /// MSE-optimal clipping `α_b / σ` of a Gaussian for 2...8 bits (Banner et al. 2019, ACIQ);
    /// wider widths add 0.3 per bit.
    public static func gaussianClip(_ bits: Int) -> Double {
        let table: [Int: Double] = [2: 1.71, 3: 2.15, 4: 2.55, 5: 2.93, 6: 3.28, 7: 3.61, 8: 3.92]
        return table[bits] ?? 3.92 + 0.3 * Double(bits - 8)
    }

    /// `max(|μ − α·σ|, |μ + α·σ|) / 2^(b−1)` of `weight`'s mean and standard deviation.
    public static func statisticsStep(_ weight: Tensor, bits: Int, clip: (Int) -> Double = gaussianClip) -> Float {
        var s = 0.0, ss = 0.0
        weight.withUnsafeBufferPointer { w in for v in w { s += Double(v); ss += Double(v) * Double(v) } }
        let n = Double(max(1, weight.count)), mean = s / n, std = max(0, ss / n - mean * mean).squareRoot()
        let a = clip(bits)
        let range = max(abs(mean - a * std), abs(mean + a * std))
        return Float(max(range / Double(1 << (bits - 1)), 1e-8))
    }

    /// The step at `bits` for `weight`: from its statistics, or the learned one; with Double
    /// Rounding below the highest width, the highest width's step times 2^(h−bits).
    func step(for weight: Tensor, bits: Int) -> Float {
        if let d = derivation(bits) {
            let derived = step(for: weight, bits: highestBits) * Float(1 << d.shift)
            steps[bits]?.value.storage[0] = derived  // kept in step with the highest, for checkpoints
            return derived
        }
        guard let p = steps[bits] else { preconditionFailure("\(name): no step size for \(bits) bits") }
        if options.weightStep == .statistics { p.value.storage[0] = WeightQuantizer.statisticsStep(weight, bits: bits) }
        return p.value.storage[0]
    }

    /// How Double Rounding derives `bits` from the highest width (the shift h − bits, the h-bit
    /// grid, the tie rule); nil when `bits` rounds the latent weights directly.
    private func derivation(_ bits: Int) -> (shift: Int, high: QuantGrid, floor: Bool)? {
        guard options.weightRounding != .direct, bits < highestBits else { return nil }
        return (highestBits - bits, WeightQuantizer.grid(highestBits), options.weightRounding == .doubleFloor)
    }

    public var parameters: [Parameter] { steps.keys.sorted().map { steps[$0]! } }

    /// The integer grid at `bits`.
    public static func grid(_ bits: Int) -> QuantGrid { QuantGrid(bits: bits, signed: true) }

    private func groups(_ w: Tensor) -> Int {
        options.correctionStatistics == .perChannel ? w.shape[0] : 1
    }

    public func forward(_ weight: Tensor, training: Bool) -> Tensor {
        guard let b = bits else { return weight }
        let step = step(for: weight, bits: b), grid = WeightQuantizer.grid(b)
        var q = Tensor(shape: weight.shape) { _ in }
        var coefficients = CorrectionCoefficients(a: [1], b: [0])
        let g = groups(weight), n = weight.count
        weight.withUnsafeBufferPointer { w in
            q.withUnsafeMutableBufferPointer { qp in
                if let d = derivation(b) {
                    DoubleRounding.forward(
                        n, w.baseAddress!, qp.baseAddress!, stepHigh: step / Float(1 << d.shift),
                        high: d.high, low: grid, shift: d.shift, floor: d.floor)
                } else {
                    LSQ.forward(n, w.baseAddress!, qp.baseAddress!, step: step, grid: grid)
                }
                if options.biasCorrection != .off {
                    coefficients = .compute(
                        form: options.biasCorrection, groups: g, n: n,
                        latent: w.baseAddress!, quantized: qp.baseAddress!)
                    let size = n / g
                    for c in 0..<g {
                        let a = coefficients.a[c], off = coefficients.b[c], p = qp.baseAddress! + c * size
                        for i in 0..<size { p[i] = p[i] * a + off }
                    }
                }
            }
        }
        if training {
            cache = (
                weight, step, grid, options.biasCorrection == .off ? [1] : coefficients.a,
                n / max(1, coefficients.a.count)
            )
        }
        return q
    }

    public func backward(_ gradEffective: Tensor) -> Tensor {
        guard let b = bits else { return gradEffective }
        guard let c = cache else { preconditionFailure("\(name): backward without a training forward") }
        var scaled = gradEffective
        if c.a.count > 1 || c.a[0] != 1 {
            scaled.withUnsafeMutableBufferPointer { g in
                for group in 0..<c.a.count {
                    let a = c.a[group], p = g.baseAddress! + group * c.groupSize
                    for i in 0..<c.groupSize { p[i] *= a }
                }
            }
        }
        var dStep: Float = 0
        let derived = derivation(b)
        let dw = Tensor(shape: gradEffective.shape) { dx in
            c.latent.withUnsafeBufferPointer { w in
                scaled.withUnsafeBufferPointer { g in
                    if let d = derived {
                        dStep = DoubleRounding.backward(
                            dx.count, w.baseAddress!, g.baseAddress!, dx.baseAddress!,
                            stepHigh: c.step / Float(1 << d.shift), high: d.high, low: c.grid,
                            shift: d.shift, floor: d.floor)
                    } else {
                        dStep = LSQ.backward(
                            dx.count, w.baseAddress!, g.baseAddress!, dx.baseAddress!, step: c.step, grid: c.grid)
                    }
                }
            }
        }
        if options.stepGradientScale { dStep /= (Float(c.latent.count) * c.grid.positiveLevels).squareRoot() }
        if options.weightStep == .learned {
            if derived != nil {
                steps[highestBits]!.grad.storage[0] += dStep * (sharedStepGradientFactor[b] ?? 1)
            } else {
                steps[b]!.grad.storage[0] += dStep
            }
        }
        cache = nil
        return dw
    }

    /// The integer form at `bits` of the current latent `weight`: integers `q`, the step, and the
    /// correction coefficients (`Ŵ' = a[c]·step·q + b[c]` per correction group `c`).
    public func integerForm(_ weight: Tensor, bits: Int) -> (
        q: [Int32], step: Float, correction: CorrectionCoefficients
    ) {
        let step = step(for: weight, bits: bits), grid = WeightQuantizer.grid(bits)
        var q = [Int32](repeating: 0, count: weight.count)
        var dequantized = [Float](repeating: 0, count: weight.count)
        let d = derivation(bits), stepHigh = step / Float(1 << (d?.shift ?? 0))
        for i in 0..<weight.count {
            let v: Float
            if let d {
                v = Float(
                    DoubleRounding.code(
                        weight.storage[i], stepHigh: stepHigh, high: d.high, low: grid,
                        shift: d.shift, floor: d.floor
                    ).q)
            } else {
                v = min(max((weight.storage[i] / step).rounded(.toNearestOrEven), grid.qmin), grid.qmax)
            }
            q[i] = Int32(v); dequantized[i] = v * step
        }
        let g = groups(weight)
        let corr =
            options.biasCorrection == .off
            ? CorrectionCoefficients(a: [Float](repeating: 1, count: g), b: [Float](repeating: 0, count: g))
            : weight.withUnsafeBufferPointer { w in
                dequantized.withUnsafeBufferPointer { d in
                    CorrectionCoefficients.compute(
                        form: options.biasCorrection, groups: g, n: weight.count,
                        latent: w.baseAddress!, quantized: d.baseAddress!)
                }
            }
        return (q, step, corr)
    }

    /// Sets the step of every bit-width outside `trained` from the trained ones by interpolating
    /// the clipping range `step · qmax` linearly in the bit-width (nearest trained width outside
    /// their span). Data-free: deploying an untrained bit-width fits nothing.
    public func interpolateUntrainedSteps(trained: [Int]) {
        // Statistics steps exist at every width; Double Rounding derives lower widths' steps.
        guard options.weightStep == .learned, options.weightRounding == .direct else { return }
        interpolateSteps(steps, trained: trained) { WeightQuantizer.grid($0).qmax }
    }
}

/// Shared by weight and activation quantizers: clip-range interpolation over bit-widths.
func interpolateSteps(_ steps: [Int: Parameter], trained: [Int], qmax: (Int) -> Float) {
    let known = trained.filter { steps[$0].map { $0.value.storage[0] > 0 } ?? false }.sorted()
    guard !known.isEmpty else { return }
    func range(_ b: Int) -> Float { steps[b]!.value.storage[0] * qmax(b) }
    for (b, p) in steps where !trained.contains(b) {
        let below = known.last { $0 < b }, above = known.first { $0 > b }
        let clip: Float
        switch (below, above) {
        case (let lo?, let hi?):
            let t = Float(b - lo) / Float(hi - lo)
            clip = range(lo) * (1 - t) + range(hi) * t
        case (let lo?, nil): clip = range(lo)
        case (nil, let hi?): clip = range(hi)
        default: continue
        }
        p.value.storage[0] = clip / qmax(b)
    }
}
