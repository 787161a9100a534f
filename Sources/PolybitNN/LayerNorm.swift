import PolybitTensor

/// Layer normalization over the last dimension: input `[..., D]`, output the same shape,
/// affine `gamma`, `beta` of shape `[D]`.
public final class LayerNorm: Layer {
    public let features: Int
    public let epsilon: Float
    public let gamma: Parameter, beta: Parameter
    private var normalized: Tensor?
    private var inverseStd: [Float] = []

    public init(name: String, features: Int, epsilon: Float = 1e-5) {
        self.features = features; self.epsilon = epsilon
        gamma = Parameter(name: name + ".gamma", role: .bias, value: Tensor(shape: [features], repeating: 1))
        beta = Parameter(name: name + ".beta", role: .bias, value: .zeros([features]))
    }

    public var parameters: [Parameter] { [gamma, beta] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let d = features, rows = x.count / d
        var inv = [Float](repeating: 0, count: rows)
        var xhat = Tensor(shape: x.shape) { _ in }
        let y = Tensor(shape: x.shape) { yp in
            x.withUnsafeBufferPointer { xp in
                xhat.withUnsafeMutableBufferPointer { hp in
                    let g = gamma.value.storage, b = beta.value.storage
                    for r in 0..<rows {
                        let src = xp.baseAddress! + r * d, h = hp.baseAddress! + r * d, out = yp.baseAddress! + r * d
                        var mean: Float = 0
                        for i in 0..<d { mean += src[i] }
                        mean /= Float(d)
                        var v: Float = 0
                        for i in 0..<d { let t = src[i] - mean; v += t * t }
                        let s = 1 / (v / Float(d) + epsilon).squareRoot()
                        inv[r] = s
                        for i in 0..<d { let n = (src[i] - mean) * s; h[i] = n; out[i] = n * g[i] + b[i] }
                    }
                }
            }
        }
        if training { normalized = xhat; inverseStd = inv }
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let xhat = normalized else { preconditionFailure("\(gamma.name): backward without a training forward") }
        let d = features, rows = xhat.count / d
        var dGamma = [Float](repeating: 0, count: d), dBeta = dGamma
        let g = gamma.value.storage
        let dx = Tensor(shape: xhat.shape) { dxp in
            gradOutput.withUnsafeBufferPointer { gp in
                xhat.withUnsafeBufferPointer { hp in
                    var dh = [Float](repeating: 0, count: d)
                    for r in 0..<rows {
                        let go = gp.baseAddress! + r * d, h = hp.baseAddress! + r * d, out = dxp.baseAddress! + r * d
                        var meanDh: Float = 0, meanDhH: Float = 0
                        for i in 0..<d {
                            dGamma[i] += go[i] * h[i]; dBeta[i] += go[i]
                            dh[i] = go[i] * g[i]
                            meanDh += dh[i]; meanDhH += dh[i] * h[i]
                        }
                        meanDh /= Float(d); meanDhH /= Float(d)
                        let s = inverseStd[r]
                        for i in 0..<d { out[i] = s * (dh[i] - meanDh - h[i] * meanDhH) }
                    }
                }
            }
        }
        gamma.accumulateGrad(Tensor(shape: [d], storage: dGamma))
        beta.accumulateGrad(Tensor(shape: [d], storage: dBeta))
        normalized = nil
        return dx
    }
}
