import PolybitTensor

/// Updates trainable parameters from their gradients and clears the gradients.
public protocol Optimizer: AnyObject {
    /// Base learning rate, set each step by the schedule.
    var learningRate: Float { get set }
    /// Applies one update to every trainable parameter and zeroes its gradient.
    func step(_ parameters: [Parameter])
    /// Per-parameter state (momentum, moments) by parameter name, for checkpoints.
    var state: [String: Tensor] { get set }
}

/// SGD with momentum (optionally Nesterov) and decoupled-from-nothing L2 weight decay
/// (`g += wd·w`, as PyTorch's SGD) on `.weight` parameters only.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float, nesterov: Bool
    public var state: [String: Tensor] = [:]

    public init(learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 5e-4, nesterov: Bool = true) {
        self.learningRate = learningRate; self.momentum = momentum
        self.weightDecay = weightDecay; self.nesterov = nesterov
    }

    public func step(_ parameters: [Parameter]) {
        for p in parameters where p.isTrainable {
            var v = state[p.name] ?? Tensor(shape: p.value.shape)
            let lr = learningRate * p.learningRateScale
            let wd = p.role == .weight ? weightDecay : 0
            let mu = momentum, nest = nesterov
            v.withUnsafeMutableBufferPointer { vp in
                p.grad.withUnsafeMutableBufferPointer { gp in
                    p.value.withUnsafeMutableBufferPointer { wp in
                        let vs = vp.baseAddress!, gs = gp.baseAddress!, ws = wp.baseAddress!
                        for i in 0..<wp.count {
                            let g = gs[i] + wd * ws[i]
                            let vi = mu * vs[i] + g
                            vs[i] = vi
                            ws[i] -= lr * (nest ? g + mu * vi : vi)
                            gs[i] = 0
                        }
                    }
                }
            }
            state[p.name] = v
            p.applyBound()
        }
    }
}

/// AdamW (decoupled weight decay on `.weight` parameters only).
public final class AdamW: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public var state: [String: Tensor] = [:]
    private var steps: [String: Int] = [:]

    public init(
        learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0.05
    ) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        for p in parameters where p.isTrainable {
            var m = state[p.name + "#m"] ?? Tensor(shape: p.value.shape)
            var v = state[p.name + "#v"] ?? Tensor(shape: p.value.shape)
            let t = (steps[p.name] ?? Int(state[p.name + "#t"]?.storage.first ?? 0)) + 1
            steps[p.name] = t
            let lr = learningRate * p.learningRateScale
            let wd = p.role == .weight ? weightDecay : 0
            let c1 = 1 / (1 - powf(beta1, Float(t))), c2 = 1 / (1 - powf(beta2, Float(t)))
            let b1 = beta1, b2 = beta2, eps = epsilon
            m.withUnsafeMutableBufferPointer { mp in
                v.withUnsafeMutableBufferPointer { vp in
                    p.grad.withUnsafeMutableBufferPointer { gp in
                        p.value.withUnsafeMutableBufferPointer { wp in
                            for i in 0..<wp.count {
                                let g = gp[i]
                                mp[i] = b1 * mp[i] + (1 - b1) * g
                                vp[i] = b2 * vp[i] + (1 - b2) * g * g
                                wp[i] -= lr * ((mp[i] * c1) / ((vp[i] * c2).squareRoot() + eps) + wd * wp[i])
                                gp[i] = 0
                            }
                        }
                    }
                }
            }
            state[p.name + "#m"] = m
            state[p.name + "#v"] = v
            state[p.name + "#t"] = Tensor(shape: [1], storage: [Float(t)])
            p.applyBound()
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
