import Foundation
import PolybitQuant

/// RFQuant's late quantization-error loss (ALGORITHMS.md §6): in the last 60% of one-shot training,
/// each weight unit's latent weights are pulled toward the grid of the lowest width it may run at,
/// by the loss `λ(t) · Σ_units mean_i (w_i − q_i)²`, `q_i` the grid point `code·step` of `w_i` at that
/// width (treated as a constant, as a straight-through estimator does). `λ(t)` ramps from 0 to λ by a
/// half cosine from 40% of the run's updates to the last.
public enum QuantizationErrorLoss {
    /// Where the ramp starts, as a fraction of the run's updates.
    public static let start = 0.4

    /// `λ(t)` at update `update` (0-based) of `total`: 0 before `start·total`, then
    /// `λ · (1 − cos(π·u)) / 2` with `u = (update/total − start) / (1 − start)` ∈ [0, 1].
    public static func weight(_ lambda: Float, update: Int, total: Int) -> Float {
        let t = Double(update) / Double(max(1, total))
        guard t >= start else { return 0 }
        let u = min(1, (t - start) / (1 - start))
        return lambda * Float((1 - cos(Double.pi * u)) / 2)
    }

    /// Adds the gradient of `weight · mean_i (w_i − q_i)²`, which is `2·weight·(w_i − q_i)/n`, to
    /// `grad`; returns the loss.
    @discardableResult
    public static func addGradient(_ grad: inout [Float], weights: [Float], grid: [Float], weight: Float) -> Float {
        let n = Float(max(1, weights.count)), scale = 2 * weight / n
        var sum: Double = 0
        for i in weights.indices {
            let d = weights[i] - grid[i]
            sum += Double(d * d)
            grad[i] += scale * d
        }
        return weight * Float(sum) / n
    }

    /// Applies the loss to every layer of `network` named in `lowest` (its lowest candidate weight
    /// width) at weight `weight`; returns the loss added.
    @discardableResult
    public static func apply(_ network: QuantizedNetwork, lowest: [String: Int], weight: Float) -> Float {
        var loss: Float = 0
        for l in network.layers {
            guard let bits = lowest[l.name] else { continue }
            let w = l.layer.weight, form = l.weights.integerForm(w.value, bits: bits)
            loss += addGradient(
                &w.grad.storage, weights: w.value.storage, grid: form.q.map { Float($0) * form.step }, weight: weight)
        }
        return loss
    }
}
