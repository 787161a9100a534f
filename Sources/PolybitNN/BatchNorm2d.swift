import PolybitTensor

/// Batch normalization over CNHW activations: per channel, statistics over `N·H·W` values.
///
/// Training uses batch statistics and updates running statistics (momentum 0.1, unbiased
/// variance, as PyTorch); evaluation uses the running statistics. Input and output `[C, N, H, W]`.
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let epsilon: Float
    public var momentum: Float
    public let gamma: Parameter, beta: Parameter
    public let runningMean: Parameter, runningVar: Parameter

    /// The training input and its batch statistics, for backward (x̂ is recomputed from them).
    private var cachedInput: Tensor?
    private var batchMeans: [Float] = []
    private var inverseStd: [Float] = []

    public init(name: String, channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        self.channels = channels; self.epsilon = epsilon; self.momentum = momentum
        gamma = Parameter(name: name + ".gamma", role: .bias, value: Tensor(shape: [channels], repeating: 1))
        beta = Parameter(name: name + ".beta", role: .bias, value: .zeros([channels]))
        runningMean = Parameter(name: name + ".running_mean", role: .buffer, value: .zeros([channels]))
        runningVar = Parameter(name: name + ".running_var", role: .buffer,
                               value: Tensor(shape: [channels], repeating: 1))
    }

    public var parameters: [Parameter] { [gamma, beta, runningMean, runningVar] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.shape[0] == channels, "\(gamma.name): expected \(channels) channels, got \(x.shape)")
        let m = x.count / channels
        var y = Tensor(shape: x.shape) { _ in }
        if !training {
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                for c in 0..<channels {
                    let inv = 1 / (runningVar.value.storage[c] + epsilon).squareRoot()
                    let scale = gamma.value.storage[c] * inv
                    let shift = beta.value.storage[c] - runningMean.value.storage[c] * scale
                    let src = xp.baseAddress! + c * m, dst = yp.baseAddress! + c * m
                    for i in 0..<m { dst[i] = src[i] * scale + shift }
                }
            } }
            return y
        }
        var means = [Float](repeating: 0, count: channels)
        var variances = [Float](repeating: 0, count: channels)
        inverseStd = [Float](repeating: 0, count: channels)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            means.withUnsafeMutableBufferPointer { mp in variances.withUnsafeMutableBufferPointer { vp in
                inverseStd.withUnsafeMutableBufferPointer { ip in
                    let xs = xp.baseAddress!, ys = yp.baseAddress!
                    let ms = mp.baseAddress!, vs = vp.baseAddress!, iv = ip.baseAddress!
                    let gs = gamma.value.storage, bs = beta.value.storage
                    Parallel.forEach(channels) { c in
                        let src = xs + c * m, out = ys + c * m
                        let mean = Float(Vec.sum(m, src) / Double(m))
                        let variance = Float(Vec.squaredDeviations(m, src, center: mean) / Double(m))
                        let inv = 1 / (variance + epsilon).squareRoot()
                        ms[c] = mean; vs[c] = variance; iv[c] = inv
                        let scale = gs[c] * inv, shift = bs[c] - mean * scale
                        for i in 0..<m { out[i] = src[i] * scale + shift }
                    }
                }
            } }
        } }
        let unbias = Float(m) / Float(max(1, m - 1))
        for c in 0..<channels {
            runningMean.value.storage[c] += momentum * (means[c] - runningMean.value.storage[c])
            runningVar.value.storage[c] += momentum * (variances[c] * unbias - runningVar.value.storage[c])
        }
        cachedInput = x
        batchMeans = means
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let x = cachedInput else { preconditionFailure("\(gamma.name): backward without a training forward") }
        let m = x.count / channels
        var gradInput = Tensor(shape: x.shape) { _ in }
        var dGamma = [Float](repeating: 0, count: channels), dBeta = dGamma
        gradOutput.withUnsafeBufferPointer { dyp in x.withUnsafeBufferPointer { xp in
            gradInput.withUnsafeMutableBufferPointer { dxp in
                dGamma.withUnsafeMutableBufferPointer { dgp in dBeta.withUnsafeMutableBufferPointer { dbp in
                    let dy = dyp.baseAddress!, xs = xp.baseAddress!, dx = dxp.baseAddress!
                    let dg = dgp.baseAddress!, db = dbp.baseAddress!
                    let gs = gamma.value.storage, inv = inverseStd, means = batchMeans
                    Parallel.forEach(channels) { c in
                        let g = dy + c * m, xc = xs + c * m, out = dx + c * m
                        // Σg and Σg·x̂ with x̂ = (x − mean)·inv.
                        let sumG = Vec.sum(m, g)
                        let sumGH = (Vec.dot(m, g, xc) - Double(means[c]) * sumG) * Double(inv[c])
                        dg[c] = Float(sumGH); db[c] = Float(sumG)
                        // dx = k·(g − mean(g) − x̂·mean(g·x̂)) = k·g − a·x + b, k = γ·inv.
                        let k = gs[c] * inv[c]
                        let meanG = Float(sumG / Double(m)), meanGH = Float(sumGH / Double(m))
                        let a = k * inv[c] * meanGH, b = k * (inv[c] * meanGH * means[c] - meanG)
                        for i in 0..<m { out[i] = k * g[i] - a * xc[i] + b }
                    }
                } }
            }
        } }
        gamma.accumulateGrad(Tensor(shape: [channels], storage: dGamma))
        beta.accumulateGrad(Tensor(shape: [channels], storage: dBeta))
        cachedInput = nil
        return gradInput
    }
}
