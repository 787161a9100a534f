import PolybitTensor

/// What a parameter is, which decides its weight decay and learning-rate treatment.
public enum ParameterRole: String, Sendable, Codable {
    /// Convolution / linear weights (weight decay applies).
    case weight
    /// Biases and normalization affine parameters (no weight decay).
    case bias
    /// Quantizer step sizes (own learning-rate scaling, no weight decay).
    case stepSize
    /// Quantizer step sizes recomputed from the weights' statistics on every use: stored in
    /// checkpoints for inspection, never trained, and rebuilt when a checkpoint lacks them.
    case statisticsStep
    /// Persistent state that is not trained (e.g. BatchNorm running statistics).
    case buffer
}

/// A named model tensor with its gradient. Names are unique within a model (dot-separated paths,
/// e.g. `stage1.block0.conv1.weight`) and key checkpoints.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let role: ParameterRole
    /// Current value.
    public var value: Tensor
    /// Gradient of the loss, accumulated by `backward` (`+=`) until the optimizer clears it.
    public var grad: Tensor
    /// Per-parameter learning-rate multiplier (e.g. ALRS for step sizes); 1 by default.
    public var learningRateScale: Float = 1
    /// Optimizers clamp every element to at least this after each update (quantizer steps stay
    /// positive); nil for no bound.
    public var lowerBound: Float?

    public init(name: String, role: ParameterRole, value: Tensor) {
        self.name = name; self.role = role; self.value = value
        self.grad = Tensor(shape: value.shape)
    }

    /// True for everything the optimizer updates.
    public var isTrainable: Bool { role == .weight || role == .bias || role == .stepSize }

    /// Sets the gradient to zero.
    public func zeroGrad() {
        grad.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Clamps the value to `lowerBound`, if any.
    public func applyBound() {
        guard let lo = lowerBound else { return }
        value.withUnsafeMutableBufferPointer { v in for i in 0..<v.count where v[i] < lo { v[i] = lo } }
    }

    /// Adds `g` (same shape) to the gradient.
    public func accumulateGrad(_ g: Tensor) {
        precondition(g.shape == value.shape, "\(name): gradient shape \(g.shape) vs \(value.shape)")
        grad.withUnsafeMutableBufferPointer { d in
            g.withUnsafeBufferPointer { s in Vec.axpy(d.count, 1, s.baseAddress!, d.baseAddress!) }
        }
    }
}
