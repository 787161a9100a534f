import PolybitQuant

/// RFQuant's fairness weight regularisation: a layer trained at 2-bit weights in a subnet loses
/// the weight decay of the weights inside its clipping range, through the loss
/// −wd·½·Σ clamp(w, qmin·s, qmax·s)² of that subnet (s the layer's 2-bit step), whose gradient
/// −wd·w inside the range (0 outside) cancels the optimizer's wd·w once per such subnet.
public enum FairnessRegularization {
    /// The weight width whose layers the regularisation applies to.
    public static let bits = 2

    /// Adds the gradient of the loss to `grad` for `weights` at step `step` of the signed
    /// `bits`-bit grid (the clipping range `[qmin·step, qmax·step]`), weight decay `weightDecay`.
    public static func addGradient(_ grad: inout [Float], weights: [Float], step: Float, weightDecay: Float) {
        let grid = WeightQuantizer.grid(bits), low = grid.qmin * step, high = grid.qmax * step
        for i in weights.indices where weights[i] >= low && weights[i] <= high {
            grad[i] -= weightDecay * weights[i]
        }
    }

    /// Applies the regularisation to every layer of `network` that `policy` runs at 2-bit weights,
    /// at the step the layer's quantizer last used for 2 bits (the subnet's forward sets it).
    public static func apply(_ network: QuantizedNetwork, policy: PrecisionPolicy, weightDecay: Float) {
        for l in network.layers where policy.precision(of: l.name).weightBits == bits {
            guard let step = l.weights.steps[bits]?.value.storage[0] else { continue }
            let w = l.layer.weight
            addGradient(&w.grad.storage, weights: w.value.storage, step: step, weightDecay: weightDecay)
        }
    }
}
